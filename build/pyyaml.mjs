// @ts-check
// YAML text as charmcraft writes it into a .charm: PyYAML's SafeDumper in block style (width 80,
// indent 2, sequences not indented under their key, ASCII only), with charmcraft's representer
// that writes multi-line strings as literal blocks (charmcraft/utils/yaml.py). Only the shapes
// charmcraft.yaml metadata has: mappings, sequences, strings, integers, booleans and null.
// PyYAML's emitter: yaml/emitter.py (choose_scalar_style, analyze_scalar, write_plain,
// write_single_quoted, write_literal); its YAML 1.1 implicit types: yaml/resolver.py.
import YAML from 'yaml';

const WIDTH = 80;

/** What PyYAML's resolver reads a plain scalar as, when not a string (yaml/resolver.py). */
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<|=|~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
];

/** Whether PyYAML may write `text` as a plain scalar in block context (analyze_scalar, then the resolver). */
function plainAllowed(/** @type {string} */ text) {
  if (IMPLICIT.some((re) => re.test(text))) return false;
  if (/^(?:---|\.\.\.)/.test(text) || /^[#,[\]{}&*!|>'"%@`]/.test(text) || /^[-?:](?: |$)/.test(text)) return false;
  if (/: |:$| #/.test(text) || /^ | $/.test(text)) return false;
  return !/[^\x20-\x7e]/.test(text);
}

/** A scalar PyYAML writes unfolded on one line: a key, a number, a boolean, null. */
function simple(/** @type {unknown} */ value) {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new Error(`pyyaml: cannot write ${JSON.stringify(value)}`);
}

/**
 * Words joined by single spaces, each space where the line is already past WIDTH replaced by a
 * line break and `indent` (write_plain and write_single_quoted: never at the ends).
 */
function fold(/** @type {string[]} */ words, /** @type {number} */ column, /** @type {string} */ indent) {
  let out = words[0] ?? '';
  let col = column + out.length;
  for (const [i, word] of words.entries()) {
    if (i === 0) continue;
    // Only a single space between two words is ever broken (an empty word is in a run of spaces).
    if (col > WIDTH && word !== '' && words[i - 1] !== '') {
      out += `\n${indent}${word}`;
      col = indent.length + word.length;
    } else {
      out += ` ${word}`;
      col += 1 + word.length;
    }
  }
  return out;
}

/** A string scalar at `column` (after `key: ` or `- `), its continuation lines at `indent`. */
function string(/** @type {string} */ text, /** @type {number} */ column, /** @type {string} */ indent) {
  if (text.includes('\n')) {
    if (/[^\x20-\x7e\n]/.test(text) || / \n|^\n|^ /.test(text)) throw new Error(`pyyaml: cannot write ${JSON.stringify(text)} as a literal block`);
    if (text.endsWith('\n\n')) throw new Error(`pyyaml: cannot write ${JSON.stringify(text)} (trailing empty lines)`);
    const chomp = text.endsWith('\n') ? '' : '-';
    const lines = text.replace(/\n$/, '').split('\n');
    return `|${chomp}\n${lines.map((line) => (line === '' ? '' : `${indent}${line}`)).join('\n')}`;
  }
  if (plainAllowed(text)) return fold(text.split(' '), column, indent);
  if (/[^\x20-\x7e]/.test(text)) throw new Error(`pyyaml: cannot write ${JSON.stringify(text)} (only printable ASCII)`);
  // Single-quoted: `'` doubled; a space is never broken at the very start or end.
  const words = text.replace(/'/g, "''").split(' ');
  return `'${fold(words, column + 1, indent)}'`;
}

/**
 * `value` as the value of `key: ` (or a `- ` item) whose line starts at `indent`.
 * @returns {string}
 */
function node(/** @type {unknown} */ value, /** @type {string} */ indent, /** @type {number} */ column, /** @type {boolean} */ sortKeys) {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    // A sequence under a key is not indented (PyYAML's indentless block sequence).
    return `\n${sequence(value, indent, sortKeys)}`;
  }
  if (typeof value === 'object' && value !== null) {
    if (Object.keys(value).length === 0) return ' {}';
    return `\n${mapping(/** @type {Record<string, unknown>} */ (value), `${indent}  `, sortKeys)}`;
  }
  if (typeof value === 'string') return ` ${string(value, column + 1, `${indent}  `)}`;
  return ` ${simple(value)}`;
}

/**
 * A block mapping at `indent`, its first line starting with `first` (`- ` for a sequence item).
 * @returns {string}
 */
function mapping(/** @type {Record<string, unknown>} */ map, /** @type {string} */ indent, /** @type {boolean} */ sortKeys, first = indent) {
  const keys = Object.keys(map);
  if (sortKeys) keys.sort();
  return keys
    .map((key, i) => {
      if (!plainAllowed(key)) throw new Error(`pyyaml: cannot write the key ${JSON.stringify(key)}`);
      const lead = i === 0 ? first : indent;
      return `${lead}${key}:${node(map[key], indent, indent.length + key.length + 1, sortKeys)}`;
    })
    .join('\n');
}

/**
 * A block sequence at `indent`.
 * @returns {string}
 */
function sequence(/** @type {unknown[]} */ items, /** @type {string} */ indent, /** @type {boolean} */ sortKeys) {
  return items
    .map((item) => {
      if (Array.isArray(item)) throw new Error('pyyaml: nested sequences are not supported');
      if (typeof item === 'object' && item !== null && Object.keys(item).length > 0) {
        return mapping(/** @type {Record<string, unknown>} */ (item), `${indent}  `, sortKeys, `${indent}- `);
      }
      return `${indent}-${node(item, indent, indent.length + 1, sortKeys)}`;
    })
    .join('\n');
}

/**
 * `value` (a mapping) as PyYAML writes it: `yaml.safe_dump(value)` sorts the keys (charmcraft's
 * metadata.yaml, config.yaml, actions.yaml), `yaml.dump(value, sort_keys=False)` keeps them
 * (its manifest.yaml). Reads the text back and throws if it does not mean `value`.
 */
export function pyyamlDump(/** @type {Record<string, unknown>} */ value, /** @type {{ sortKeys: boolean }} */ { sortKeys }) {
  const text = `${mapping(value, '', sortKeys)}\n`;
  const back = YAML.parse(text, { version: '1.1' });
  if (!sameData(back, value)) {
    throw new Error(`pyyaml: the written YAML does not read back as the value:\n${text}`);
  }
  return text;
}

/**
 * Deep equality of plain data, ignoring key order.
 * @returns {boolean}
 */
function sameData(/** @type {unknown} */ a, /** @type {unknown} */ b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const rb = /** @type {Record<string, unknown>} */ (b);
    const ra = /** @type {Record<string, unknown>} */ (a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in rb && sameData(ra[k], rb[k]));
  }
  return a === b;
}
