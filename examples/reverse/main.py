# A student's solution: print each input line reversed.
import sys
for line in sys.stdin:
    print(line.rstrip("\n")[::-1])
