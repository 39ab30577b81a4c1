#!/bin/sh
# Entry point of `make check`: every layer, or the ones named.
exec python3 "$(dirname "$0")/run.py" "$@"
