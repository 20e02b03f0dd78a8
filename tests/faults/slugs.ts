// The slug values the fault suite sends through config-changed on a running unit, each with what
// the charm must do: serve it, or block with the exact message and change nothing.
import { MAX_SLUG, regexMessage, tooLongMessage } from './machine.ts';

/** Files a shell would create if a slug ever reached one. */
export const CANARIES = ['/tmp/tp-fault-canary-subst', '/tmp/tp-fault-canary-backtick', '/tmp/tp-fault-canary-semicolon'] as const;

export interface SlugCase {
  readonly label: string;
  readonly value: string;
  /** undefined: the schema accepts it, tinyproxy must serve it; else the exact blocked message. */
  readonly blocked?: string;
}

const valid = (label: string, value: string): SlugCase => ({ label, value });
const refused = (label: string, value: string): SlugCase => ({ label, value, blocked: regexMessage(value) });
const tooLong = (label: string, value: string): SlugCase => ({ label, value, blocked: tooLongMessage(value) });

/** In order: valid values are spread out, so "the previous slug still serves" means several slugs. */
export const SLUG_CASES: readonly SlugCase[] = [
  valid('plain', 'foo'),
  refused('empty', ''),
  refused('a space', ' '),
  refused('leading space', ' foo'),
  refused('trailing space', 'foo '),
  refused('inner space', 'foo bar'),
  refused('upper case', 'Foo'),
  refused('all upper case', 'FOO'),
  refused('underscore', 'foo_bar'),
  refused('lone underscore', '_'),
  valid('a lone dash', '-'),
  refused('slash inside', 'foo/bar'),
  refused('leading slash', '/foo'),
  refused('trailing slash', 'foo/'),
  refused('lone slash', '/'),
  refused('dot', '.'),
  refused('dot dot', '..'),
  refused('path traversal', '../../etc'),
  refused('dot inside', 'foo.bar'),
  valid('zero', '0'),
  refused('single quote', "'"),
  refused('single quote inside', "foo'bar"),
  refused('double quote', '"'),
  refused('double quote inside', 'foo"bar'),
  refused('quoted', '"foo"'),
  refused('typographic quotes', '\u201cfoo\u201d'),
  refused('backtick', '`'),
  refused('backslash', '\\'),
  refused('backslash inside', 'foo\\bar'),
  refused('escaped quote', 'foo\\"bar'),
  valid('63 characters', 'a'.repeat(63)),
  refused('command substitution', `$(touch ${CANARIES[0]})`),
  refused('backtick substitution', `\`touch ${CANARIES[1]}\``),
  refused('command separator', `foo;touch ${CANARIES[2]}`),
  refused('variable', '$HOME'),
  refused('braced variable', '${IFS}'),
  refused('pipe and and', 'foo|id&&id'),
  refused('redirection', 'foo>bar'),
  refused('newline then a directive', 'foo\nReverseOnly No'),
  refused('newline then a ReversePath', 'foo\nReversePath "/evil/" "http://127.0.0.1:9/"'),
  refused('quote, newline and directive', 'foo" "http://127.0.0.1:9/"\nReverseOnly No\n#'),
  refused('CRLF then a directive', 'foo\r\nPort 8080'),
  refused('trailing newline', 'foo\n'),
  refused('lone newline', '\n'),
  valid('looks like an option', '--help'),
  refused('tab', '\t'),
  refused('tab inside', 'foo\tbar'),
  refused('NUL', '\0'),
  refused('NUL inside', 'foo\0bar'),
  refused('accented letter', 'café'),
  refused('n with tilde', 'ñ'),
  refused('sharp s', 'straße'),
  refused('Cyrillic', 'пример'),
  refused('CJK', '例え'),
  refused('fullwidth letters', 'ｆｏｏ'),
  refused('fullwidth digits', '１２３'),
  refused('zero-width space', 'foo\u200bbar'),
  refused('right-to-left override', '\u202efoo'),
  refused('en dash', 'foo\u2013bar'),
  refused('emoji', '🦊'),
  refused('emoji inside', 'foo🔥bar'),
  valid('digits and dashes', '0-9-a'),
  refused('hash', '#'),
  refused('hash inside', 'foo#bar'),
  refused('glob', '*'),
  refused('question mark', 'foo?bar'),
  refused('brackets', '[a-z]'),
  refused('tilde', '~root'),
  refused('percent-encoded dots', '%2e%2e'),
  refused('colon', 'foo:bar'),
  refused('at sign', 'foo@bar'),
  refused('plus', 'foo+bar'),
  refused('JSON', '{"slug":"foo"}'),
  refused('10,000 characters, upper case', 'A'.repeat(10_000)),
  tooLong('10,000 valid characters', 'a'.repeat(10_000)),
  tooLong(`${MAX_SLUG + 1} characters (one past the line limit)`, 'b'.repeat(MAX_SLUG + 1)),
  tooLong('2048 characters', 'c'.repeat(2048)),
  valid(`${MAX_SLUG} characters (the longest tinyproxy can read)`, 'd'.repeat(MAX_SLUG)),
  refused('upper case after a long valid slug', 'BAR'),
  valid('back to a short slug', 'example'),
];
