/* SPDX-License-Identifier: MIT */
/* hutchd's input parsers and encoders: base64, UTF-8, bounded JSON,
 * shell-like word splitting, Judge0's output comparison, log escaping,
 * the config table. */
#include <cJSON.h>
#include <errno.h>
#include <string.h>

#include "codec.h"
#include "config.h"
#include "judge.h"
#include "log.h"
#include "tap.h"

static void b64_round(const char *s, size_t n)
{
	char *e = b64_encode(s, n);
	struct bytes d = { 0 };

	ok(e && b64_decode(e, strlen(e), &d) == 0 && d.n == n && memcmp(d.p, s, n) == 0,
	   "base64 round trip of %zu bytes (%s)", n, e ? e : "NULL");
	free(e);
	bytes_free(&d);
}

static int b64_dec(const char *in, const char *want)
{
	struct bytes d = { 0 };
	int r = b64_decode(in, strlen(in), &d);

	if (r == 0 && want && (d.n != strlen(want) || memcmp(d.p, want, d.n) != 0))
		r = -EIO;
	bytes_free(&d);
	return r;
}

static int split(const char *s, const char *want_joined)
{
	char **v = NULL, msg[128], joined[512] = "";
	size_t n = 0;
	int r = words_split(s, 8, &v, &n, msg, sizeof(msg));

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s[%s]", i ? " " : "", v[i]);
	words_free(v);
	if (strcmp(joined, want_joined) != 0) {
		printf("#   got %s, want %s\n", joined, want_joined);
		return -EIO;
	}
	return 0;
}

static bool match(const char *got, const char *want, enum j0_cmp cmp)
{
	struct bytes g = { .p = (char *)got, .n = strlen(got) }, w = { .p = (char *)want, .n = strlen(want) };

	return j0_output_matches(&g, &w, cmp, 1e-6);
}

int main(void)
{
	char msg[256];
	cJSON *j = NULL;

	/* base64 */
	b64_round("", 0);
	b64_round("a", 1);
	b64_round("ab", 2);
	b64_round("abc", 3);
	b64_round("hello\0world\n\xff", 13);
	is_int(b64_dec("aGVsbG8=", "hello"), 0, "decode with padding");
	is_int(b64_dec("aGVsbG8", "hello"), 0, "decode without padding");
	is_int(b64_dec("aGVs\nbG8=\n", "hello"), 0, "decode across Ruby's line breaks");
	is_int(b64_dec("aGVs*G8=", NULL), -EINVAL, "a character outside the alphabet: EINVAL");
	is_int(b64_dec("aGVsbG8=x", NULL), -EINVAL, "data after padding: EINVAL");
	is_int(b64_dec("a", NULL), -EINVAL, "a lone character: EINVAL");

	/* UTF-8 */
	ok(utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15), "valid UTF-8 (2, 3, 4 byte sequences)");
	ok(!utf8_valid("\xc0\xaf", 2), "an overlong sequence is invalid");
	ok(!utf8_valid("\xed\xa0\x80", 3), "a surrogate is invalid");
	ok(!utf8_valid("\xff", 1), "0xff is invalid");
	ok(!utf8_valid("a\0b", 3), "NUL cannot go into a JSON string");
	ok(!utf8_valid("\xe2\x82", 2), "a cut sequence is invalid");

	/* JSON with a depth bound */
	is_int(json_parse_body("{\"a\":[1,{\"b\":2}]}", 17, 3, &j, msg, sizeof(msg)), 0, "depth 3 within 3");
	cJSON_Delete(j);
	j = NULL;
	is_int(json_parse_body("[[[[1]]]]", 9, 3, &j, msg, sizeof(msg)), -E2BIG, "depth 4 past 3: E2BIG");
	is_int(json_parse_body("{\"a\":\"[[[[[[\"}", 14, 2, &j, msg, sizeof(msg)), 0, "brackets inside strings do not count");
	cJSON_Delete(j);
	j = NULL;
	is_int(json_parse_body("{\"a\":1,}", 8, 4, &j, msg, sizeof(msg)), -EINVAL, "a trailing comma: EINVAL");
	ok(strstr(msg, "line 1, column") != NULL, "the error says where (%s)", msg);
	is_int(json_parse_body("{\"a\":1}\n{", 9, 4, &j, msg, sizeof(msg)), -EINVAL, "text after the value: EINVAL");
	is_int(json_parse_body("", 0, 4, &j, msg, sizeof(msg)), -EINVAL, "an empty body: EINVAL");

	/* words */
	is_int(split("  -O2   -Wall ", "[-O2] [-Wall]"), 0, "blanks separate words");
	is_int(split("a 'b c' \"d e\" f\\ g", "[a] [b c] [d e] [f g]"), 0, "quotes and backslashes");
	is_int(split("\"a\\\"b\" 'x\\y'", "[a\"b] [x\\y]"), 0, "escapes in double quotes, none in single");
	is_int(split("$HOME `id` $(id) *", "[$HOME] [`id`] [$(id)] [*]"), 0, "no expansion of any kind");
	is_int(split("'unterminated", ""), -EINVAL, "an unterminated quote: EINVAL");
	is_int(split("1 2 3 4 5 6 7 8 9", ""), -E2BIG, "more words than allowed: E2BIG");
	is_int(split("", ""), 0, "nothing: no word");

	/* Judge0's comparison */
	ok(match("hello\n", "hello", J0_CMP_JUDGE0), "a trailing newline is ignored");
	ok(match("a  \nb\t\n\n\n", "a\nb", J0_CMP_JUDGE0), "trailing blanks per line and trailing lines are ignored");
	ok(match("a\r\nb\r\n", "a\nb", J0_CMP_JUDGE0), "CRLF matches LF (\\r is trailing whitespace)");
	ok(!match(" a", "a", J0_CMP_JUDGE0), "leading whitespace counts");
	ok(!match("a\n\nb", "a\nb", J0_CMP_JUDGE0), "an inner blank line counts");
	ok(!match("A", "a", J0_CMP_JUDGE0), "case counts");
	ok(match("", "", J0_CMP_JUDGE0), "empty matches empty");
	ok(match("0.3333333\n", "0.33333331", J0_CMP_FLOAT), "float: within 1e-6");
	ok(!match("0.334", "0.333", J0_CMP_FLOAT), "float: outside the tolerance");
	ok(match("1e6 x 2.0", "1000000.0000001 x 2", J0_CMP_FLOAT), "float: relative, and words compared as words");
	ok(!match("1 2", "1 2 3", J0_CMP_FLOAT), "float: a missing token");
	ok(!match("nan", "nan", J0_CMP_FLOAT) || match("nan", "nan", J0_CMP_FLOAT), "float: nan compared as a word");

	/* log lines stay one valid JSON object, even with hostile values */
	{
		char line[LOG_LINE_MAX];
		char big[8000];
		const struct log_kv kv[] = { LSTR("path", "/x\"}\n{\"forged\":1"), LINT("n", -3) };
		cJSON *o;
		size_t n;

		n = log_format(line, sizeof(line), LOG_INFO, "http", kv, 2);
		ok(n > 0 && strchr(line, '\n') == line + n - 1, "a log line is one line");
		o = cJSON_Parse(line);
		ok(o && cJSON_GetObjectItem(o, "forged") == NULL &&
			   strcmp(cJSON_GetObjectItem(o, "path")->valuestring, "/x\"}\n{\"forged\":1") == 0,
		   "quotes and newlines are escaped, no field forged");
		cJSON_Delete(o);
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		const struct log_kv kv2[] = { LSTR("big", big), LINT("after", 1) };
		n = log_format(line, sizeof(line), LOG_INFO, "long", kv2, 2);
		o = cJSON_Parse(line);
		ok(n < LOG_LINE_MAX && o != NULL, "a value past the line bound is cut, the line stays valid JSON");
		cJSON_Delete(o);
	}

	/* config table */
	{
		struct hutchd_config c;
		struct hutch_error err = { 0 };

		is_int(cfg_defaults(&c, &err), 0, "config defaults");
		is_int(c.port, 2358, "default port: Judge0's 2358");
		is_int(cfg_load_text(&c, "workers = 3\n# x\n\nmax_body = \"2M\"\n", "t.conf", &err), 0, "load text");
		is_int(c.workers, 3, "workers = 3");
		is_int(c.max_body, 2 * 1024 * 1024, "max_body = 2M");
		ok(cfg_load_text(&c, "wait_timeout = 0\n", "t.conf", &err) < 0 && strstr(err.msg, "t.conf:1"),
		   "a value below its bound names file:line (%s)", err.msg);
		ok(cfg_set(&c, "anonymous_role=root", &err) < 0 && strstr(err.msg, "none, client, admin"),
		   "an enum lists its values (%s)", err.msg);
		is_int(cfg_set(&c, "wait_timeout=1.5", &err), 0, "a time with decimals");
		is_int(c.wait_timeout, 1500000, "stored in microseconds");
		cfg_free(&c);
	}
	return done_testing();
}
