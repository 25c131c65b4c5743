/* Unit tests of lib/relay/tmpl.c: templates that must be refused, renders
 * with hostile values, the output cap, and the shipped relay page. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounds.h"
#include "tmpl.h"

/* Templates tmpl_parse must refuse, and a word its reason must contain. */
static const struct {
	const char	*name;
	const char	*text;
	const char	*why;
} refused[] = {
	{ "raw-triple", "a {{{x}}} b", "raw" },
	{ "raw-quad", "{{{{x}}}}", "raw" },
	{ "raw-ampersand", "{{&x}}", "name" },
	{ "unterminated", "a {{x", "unterminated" },
	{ "unterminated-single-brace", "{{x}", "unterminated" },
	{ "unterminated-at-end", "{{", "unterminated" },
	{ "empty-name", "{{}}", "name" },
	{ "blank-name", "{{   }}", "name" },
	{ "upper-case", "{{Name}}", "name" },
	{ "dash", "{{a-b}}", "name" },
	{ "dot", "{{a.b}}", "name" },
	{ "inner-space", "{{a b}}", "name" },
	{ "comment", "{{! note }}", "name" },
	{ "partial", "{{> other}}", "name" },
	{ "nested-open", "{{a{{b}}}}", "name" },
	{ "newline-in-tag", "{{a\n}}", "name" },
	{ "long-name", "{{abcdefghijabcdefghijabcdefghijabc}}", "name" },
	{ "section-no-name", "{{#}}x{{/}}", "name" },
	{ "unclosed", "{{#a}}x", "not closed" },
	{ "unclosed-inverted", "{{^a}}x", "not closed" },
	{ "close-only", "x{{/a}}", "without" },
	{ "close-other", "{{#a}}x{{/b}}", "innermost" },
	{ "crossed", "{{#a}}{{#b}}{{/a}}{{/b}}", "innermost" },
	{ "closed-twice", "{{#a}}{{/a}}{{/a}}", "without" },
	{ "too-deep", "{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}"
	    "{{#a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}",
	    "deep" },
};

static void
test_refused(void **state)
{
	struct tmpl	*t;
	char		 err[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		t = tmpl_parse(refused[i].text, strlen(refused[i].text), err,
		    sizeof(err));
		if (t != NULL)
			fail_msg("%s: accepted", refused[i].name);
		if (strstr(err, refused[i].why) == NULL)
			fail_msg("%s: reason \"%s\" lacks \"%s\"",
			    refused[i].name, err, refused[i].why);
	}
}

static void
test_refused_nul_and_size(void **state)
{
	static const char	 nul[] = "a\0{{b}}";
	struct tmpl		*t;
	char			*big, err[128];

	(void)state;
	assert_null(tmpl_parse(nul, sizeof(nul) - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
	big = malloc(TEMPLATE_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', TEMPLATE_MAX + 1);
	assert_null(tmpl_parse(big, TEMPLATE_MAX + 1, err, sizeof(err)));
	assert_non_null(strstr(err, "larger"));
	/* Exactly the cap is fine. */
	t = tmpl_parse(big, TEMPLATE_MAX, err, sizeof(err));
	assert_non_null(t);
	tmpl_free(t);
	free(big);
	/* A refusal without an err buffer must not crash. */
	assert_null(tmpl_parse("{{{x}}}", 7, NULL, 0));
}

/* Renders: the template, name=value pairs ("name=value\n..."), and the
 * page expected. */
static const struct {
	const char	*name;
	const char	*text;
	const char	*vars;
	const char	*want;
} renders[] = {
	{ "empty", "", "", "" },
	{ "plain", "hello", "", "hello" },
	{ "value", "a{{x}}b", "x=1", "a1b" },
	{ "spaces-in-tag", "a{{ x }}b", "x=1", "a1b" },
	{ "unknown-empty", "a{{nope}}b", "x=1", "ab" },
	{ "twice", "{{x}}{{x}}", "x=ab", "abab" },
	{ "amp", "{{x}}", "x=a&b", "a&amp;b" },
	{ "lt-gt", "{{x}}", "x=<b>", "&lt;b&gt;" },
	{ "quotes", "{{x}}", "x=\"'", "&quot;&#39;" },
	{ "entity-not-trusted", "{{x}}", "x=&amp;", "&amp;amp;" },
	{ "script", "<p>{{x}}</p>", "x=<script>alert(1)</script>",
	    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" },
	{ "attribute-break", "<input value=\"{{x}}\">",
	    "x=\"><img src=x onerror=alert(1)>",
	    "<input value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">" },
	{ "single-quote-attribute", "<a title='{{x}}'>",
	    "x=' onmouseover='alert(1)",
	    "<a title='&#39; onmouseover=&#39;alert(1)'>" },
	{ "value-not-expanded", "{{x}}", "x={{y}}", "{{y}}" },
	{ "value-section-not-expanded", "{{x}}", "x={{#y}}z{{/y}}",
	    "{{#y}}z{{/y}}" },
	{ "utf8-kept", "{{x}}", "x=caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 "
	    "\xe2\x82\xac" },
	{ "braces-in-text", "a }} b { c", "", "a }} b { c" },
	{ "single-braces", "{x} {", "", "{x} {" },
	{ "section-set", "a{{#f}}b{{/f}}c", "f=1", "abc" },
	{ "section-unset", "a{{#f}}b{{/f}}c", "", "ac" },
	{ "section-empty-value", "a{{#f}}b{{/f}}c", "f=", "ac" },
	{ "inverted-set", "a{{^f}}b{{/f}}c", "f=1", "ac" },
	{ "inverted-unset", "a{{^f}}b{{/f}}c", "", "abc" },
	{ "nested-both", "{{#a}}1{{#b}}2{{/b}}3{{/a}}", "a=1\nb=1", "123" },
	{ "nested-outer-only", "{{#a}}1{{#b}}2{{/b}}3{{/a}}", "a=1", "13" },
	{ "nested-inner-only", "{{#a}}1{{#b}}2{{/b}}3{{/a}}", "b=1", "" },
	{ "same-name-nested", "{{#a}}1{{#a}}2{{/a}}3{{/a}}", "a=x", "123" },
	{ "value-in-section", "{{#e}}<p>{{e}}</p>{{/e}}", "e=<b>",
	    "<p>&lt;b&gt;</p>" },
	{ "standalone", "a\n{{#f}}\nb\n{{/f}}\nc\n", "f=1", "a\nb\nc\n" },
	{ "standalone-hidden", "a\n  {{#f}}  \nb\n{{/f}}\nc\n", "", "a\nc\n" },
	{ "standalone-crlf", "a\r\n{{#f}}\r\nb\r\n{{/f}}\r\n", "f=1",
	    "a\r\nb\r\n" },
	{ "standalone-at-end", "a\n{{#f}}b{{/f}}", "f=1", "a\nb" },
	{ "not-standalone", "a {{#f}}b{{/f}} c\n", "f=1", "a b c\n" },
	{ "value-not-standalone", "a\n{{x}}\nb", "x=1", "a\n1\nb" },
};

/* Set the "name=value" lines of spec. */
static void
set_vars(struct tmpl_vars *v, const char *spec)
{
	char	 line[256], *eq;
	size_t	 n;

	while (*spec != '\0') {
		n = strcspn(spec, "\n");
		assert_true(n < sizeof(line));
		memcpy(line, spec, n);
		line[n] = '\0';
		eq = strchr(line, '=');
		assert_non_null(eq);
		*eq = '\0';
		assert_int_equal(tmpl_set(v, line, eq + 1), 0);
		spec += n + (spec[n] == '\n');
	}
}

static void
test_render(void **state)
{
	struct tmpl_vars	 v;
	struct tmpl		*t;
	char			*out, err[128];
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		memset(&v, 0, sizeof(v));
		t = tmpl_parse(renders[i].text, strlen(renders[i].text), err,
		    sizeof(err));
		if (t == NULL)
			fail_msg("%s: refused: %s", renders[i].name, err);
		set_vars(&v, renders[i].vars);
		out = tmpl_render(t, &v, &len);
		assert_non_null(out);
		if (strcmp(out, renders[i].want) != 0 ||
		    len != strlen(renders[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"",
			    renders[i].name, out, renders[i].want);
		free(out);
		tmpl_vars_free(&v);
		tmpl_free(t);
	}
}

static void
test_render_null_vars(void **state)
{
	static const char	 text[] = "a{{x}}{{#s}}b{{/s}}{{^s}}c{{/s}}";
	struct tmpl		*t;
	char			*out;
	size_t			 len;

	(void)state;
	t = tmpl_parse(text, sizeof(text) - 1, NULL, 0);
	assert_non_null(t);
	out = tmpl_render(t, NULL, &len);
	assert_string_equal(out, "ac");
	free(out);
	tmpl_free(t);
}

static void
test_output_cap(void **state)
{
	struct tmpl_vars	 v;
	struct tmpl		*t;
	char			*big, *out, text[64];
	size_t			 len, n = TEMPLATE_OUT_MAX / 5 / 8 + 1;

	(void)state;
	memset(&v, 0, sizeof(v));
	/* Each '<' becomes four octets ("&lt;"): eight copies of 2n of
	 * them pass the cap. */
	big = malloc(2 * n + 1);
	assert_non_null(big);
	memset(big, '<', 2 * n);
	big[2 * n] = '\0';
	assert_int_equal(tmpl_set(&v, "x", big), 0);
	snprintf(text, sizeof(text), "{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}{{x}}"
	    "{{x}}");
	t = tmpl_parse(text, strlen(text), NULL, 0);
	assert_non_null(t);
	assert_null(tmpl_render(t, &v, &len));
	/* Under the cap it renders. */
	big[n / 4] = '\0';
	assert_int_equal(tmpl_set(&v, "x", big), 0);
	out = tmpl_render(t, &v, &len);
	assert_non_null(out);
	assert_int_equal(len, 8 * 4 * (n / 4));
	free(out);
	free(big);
	tmpl_vars_free(&v);
	tmpl_free(t);
}

static void
test_vars(void **state)
{
	struct tmpl_vars	 v;
	char			 name[16];
	int			 i;

	(void)state;
	memset(&v, 0, sizeof(v));
	assert_int_equal(tmpl_set(&v, "", "x"), -1);
	assert_int_equal(tmpl_set(&v, "Bad", "x"), -1);
	assert_int_equal(tmpl_set(&v, "a b", "x"), -1);
	assert_int_equal(tmpl_set(&v, "abcdefghijabcdefghijabcdefghijabc",
	    "x"), -1);
	assert_int_equal(tmpl_set(&v, "a", "1"), 0);
	assert_int_equal(tmpl_set(&v, "a", "2"), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.v[0].value, "2");
	assert_int_equal(tmpl_setf(&v, "b", "%d-%s", 7, "x"), 0);
	assert_string_equal(v.v[1].value, "7-x");
	for (i = 2; i < TEMPLATE_VARS_MAX; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		assert_int_equal(tmpl_set(&v, name, "x"), 0);
	}
	assert_int_equal(tmpl_set(&v, "full", "x"), -1);
	assert_int_equal(tmpl_set(&v, "a", "replace still works"), 0);
	tmpl_vars_free(&v);
	assert_int_equal(v.n, 0);
	assert_int_equal(tmpl_set(&v, "a", "again"), 0);
	tmpl_vars_free(&v);
}

/* The shipped page: it compiles, every step renders, and hostile values
 * in every name come out escaped. */
static const char *const relay_names[] = {
	"platform", "base", "csrf", "code_minutes", "error", "notice", "tn",
	"tn_value", "can_resend", "cert_tn", "cert_subject", "cert_expiry",
	"cert_renew", "chain_url",
};

static const char *const relay_steps[] = {
	"step_number", "step_code", "step_ready", "step_done", "step_problem",
};

static void
test_relay_page(void **state)
{
	static const char	 xss[] = "\"'><script>alert(1)</script>";
	struct tmpl_vars	 v;
	struct tmpl		*t;
	const char		*dir;
	char			 path[1024], *out, *css;
	size_t			 i, s, len;

	(void)state;
	if ((dir = getenv("TEMPLATES")) == NULL)
		dir = "templates";
	snprintf(path, sizeof(path), "%s/relay.html", dir);
	t = tmpl_load(path);
	if (t == NULL)
		fail_msg("%s does not compile", path);
	snprintf(path, sizeof(path), "%s/relay.css", dir);
	css = tmpl_file(path, &len);
	assert_non_null(css);
	assert_true(len > 0);
	free(css);
	for (s = 0; s < sizeof(relay_steps) / sizeof(relay_steps[0]); s++) {
		memset(&v, 0, sizeof(v));
		for (i = 0; i < sizeof(relay_names) / sizeof(relay_names[0]);
		    i++)
			assert_int_equal(tmpl_set(&v, relay_names[i], xss), 0);
		assert_int_equal(tmpl_set(&v, relay_steps[s], "1"), 0);
		out = tmpl_render(t, &v, &len);
		assert_non_null(out);
		if (strstr(out, "<script") != NULL ||
		    strstr(out, "\"'>") != NULL)
			fail_msg("%s: a value is not escaped", relay_steps[s]);
		assert_non_null(strstr(out, "&lt;script&gt;"));
		/* Exactly its own step's heading area shows. */
		if (strcmp(relay_steps[s], "step_code") == 0) {
			assert_non_null(strstr(out, "one-time-code"));
			assert_non_null(strstr(out, "inputmode=\"numeric\""));
			assert_null(strstr(out, "name=\"tn\""));
		} else
			assert_null(strstr(out, "one-time-code"));
		if (strcmp(relay_steps[s], "step_number") == 0)
			assert_non_null(strstr(out, "name=\"tn\""));
		assert_non_null(strstr(out, "name=\"viewport\""));
		free(out);
		tmpl_vars_free(&v);
	}
	tmpl_free(t);
}

static void
test_load_missing(void **state)
{
	size_t	 len;

	(void)state;
	assert_null(tmpl_load("/nonexistent/relay.html"));
	assert_null(tmpl_file("/nonexistent/relay.css", &len));
	assert_null(tmpl_file("/", &len));		/* not a file */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_nul_and_size),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_null_vars),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_relay_page),
		cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
