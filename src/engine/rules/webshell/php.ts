// PHP: request input into eval, commands, callbacks and variable functions; decode chains and encoded blobs.

import { ARG_WINDOW, Taint, balanced, callArgs, type Language } from './calls.js';
import { MAX_CALLS, scan, type Script } from './collect.js';

const phpDecoders = 'base64_decode|gzinflate|gzuncompress|gzdecode|bzdecompress|str_rot13|strrev|hex2bin|convert_uudecode|rawurldecode|urldecode|pack';
const phpDecoder = new RegExp(String.raw`\b(?:${phpDecoders})\s*\(`, 'i');
const phpDecoderFirst = new RegExp(String.raw`^[\s@(]*\\?(?:${phpDecoders})\s*\(`, 'i');

const phpLanguage: Language = {
  source: new RegExp(
    [
      String.raw`\$_(?:GET|POST|REQUEST|COOKIE|FILES|SESSION)\b`,
      String.raw`\$_SERVER\s*\[\s*['"](?:HTTP_|QUERY_STRING|REQUEST_URI|PATH_INFO|PHP_AUTH)`,
      String.raw`\$\{\s*['"]_(?:GET|POST|REQUEST|COOKIE)['"]\s*\}`,
      String.raw`\$GLOBALS\s*\[\s*['"]_(?:GET|POST|REQUEST|COOKIE|SERVER)['"]`,
      String.raw`\b(?:getallheaders|apache_request_headers)\s*\(`,
      String.raw`php://input`,
      String.raw`\$HTTP_RAW_POST_DATA\b`,
    ].join('|'),
    'i',
  ),
  sanitized: new RegExp(
    String.raw`\b(?:escapeshellarg|intval|floatval|boolval|abs|md5|sha1|crc32|hash|password_hash|strlen|count|sizeof` +
      String.raw`|is_\w{1,30}|ctype_\w{1,30}|isset|empty|array_key_exists|in_array|preg_match)\s*${balanced}` +
      String.raw`|\((?:int|integer|float|double|bool|boolean)\)\s*\$\w{1,64}(?:\s*\[[^\]]{0,80}\]){0,3}`,
    'gi',
  ),
  variable: /\$[A-Za-z_\x80-\uffff][\w\x80-\uffff]{0,64}/g,
  reference: /^\s*@?\s*(\$[A-Za-z_\x80-\uffff][\w\x80-\uffff]{0,64}|\$\{[^}\n]{1,80}\})((?:\s*\[[^\]\n]{0,80}\]){0,3})\s*(?:\?\?[^;]{0,80})?$/,
  assignment: /(\$[A-Za-z_\x80-\uffff][\w\x80-\uffff]{0,64})\s*(?:\[[^\]\n]{0,100}\]\s*){0,3}[.+]?=(?![=>])/g,
  mutation: /\barray_(?:push|unshift)\s*\(\s*(\$[A-Za-z_]\w{0,64})/g,
};

const phpCode = new Set(['eval', 'assert', 'create_function']);
const phpCommand = new Set(['system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open', 'pcntl_exec']);
const phpRegexEval = new Set(['preg_replace', 'preg_filter', 'mb_ereg_replace']);
/** Functions that call a callback: the callback's argument position. */
const phpCallbacks: Record<string, number> = {
  call_user_func: 0, call_user_func_array: 0, forward_static_call: 0, forward_static_call_array: 0,
  register_shutdown_function: 0, register_tick_function: 0, array_map: 0, ob_start: 0,
  array_filter: 1, array_walk: 1, array_walk_recursive: 1, array_reduce: 1, usort: 1, uasort: 1, uksort: 1,
  iterator_apply: 1, preg_replace_callback: 1,
};
const phpSink = new RegExp(
  String.raw`(?<![\w$\\]|->|::)(?<!function\s{1,20})(?<!new\s{1,20})\\?\b(` +
    [...phpCode, ...phpCommand, ...phpRegexEval, ...Object.keys(phpCallbacks)].join('|') +
    String.raw`)(\s*)\(`,
  'gi',
);
const phpVariableCall = /(?<![\w$>:\\])(\$[A-Za-z_\x80-\uffff][\w\x80-\uffff]{0,64}|\$\{[^}\n]{1,80}\})((?:\s*\[[^\]\n]{0,80}\]){0,3})\s*\(/g;
const phpLiteralCallee = /(?<![\w$\\'"])(['"])([A-Za-z_]\w{1,40})\1\s*\)?\s*\(/g;
const phpEncoded = new RegExp(String.raw`\b((?:(?:${phpDecoders})\s*\(\s*@?\s*){1,8})(['"][A-Za-z0-9+/=\\\r\n]{200}|\$[A-Za-z_]\w{0,64})`, 'gi');
const phpExtract = /\b(?:extract|parse_str|mb_parse_str|import_request_variables)\s*\(\s*\$_(?:GET|POST|REQUEST|COOKIE|SERVER)/i;
const phpIncludeInput = /\b(?:include|require)(?:_once)?\b\s*\(?\s*['"](?:php:\/\/input|data:)/gi;
const phpInvokeEval = /function\s+__invoke\s*\([^)]{0,100}\)\s*\{[^}]{0,300}\beval\s*\(/i;
const evalBefore = /\b(?:eval|assert|create_function)\s*\(\s*@?\s*$/i;

type Execution = 'code' | 'command';

export function php({ content, code, signs }: Script, shell: Array<[number, number]>): void {
  const taint = new Taint(phpLanguage, code, phpDecoder);
  const extractAt = code.search(phpExtract);
  // After extract($_POST), a variable the file never assigns comes from the request.
  const chosen = (base: string, subscript: string, at: number) =>
    taint.chosen(base, subscript, at) || (extractAt >= 0 && extractAt < at && !taint.assigned.has(base) && base !== '$this');
  const kindOf = (name: string): Execution | undefined =>
    phpCode.has(name.toLowerCase()) ? 'code' : phpCommand.has(name.toLowerCase()) ? 'command' : undefined;
  const report = (kind: Execution, what: string, start: number, end: number) =>
    kind === 'code'
      ? signs.add('eval-of-request-input', `${what} runs PHP code from the request`, start, end)
      : signs.add('command-of-request-input', `${what} runs a command from the request`, start, end);

  for (const m of scan(phpSink, code)) {
    const written = m[1]!;
    const name = written.toLowerCase();
    const open = m.index + m[0].length - 1;
    const args = callArgs(code, open, 'php');
    const [start, end] = [m.index, open + args.text.length + 2];
    const kind = kindOf(name);
    if (kind && written !== name) signs.add('obfuscated-function-name', `${written} is written in mixed case`, start, end);
    if (kind && /\S/.test(content.slice(open - m[2]!.length, open))) {
      signs.add('obfuscated-function-name', `a comment separates ${name} from its arguments`, start, end);
    }
    if (kind) {
      if (taint.carries(args.text, start)) report(kind, `${name}()`, start, end);
      if (kind === 'code' && (phpDecoderFirst.test(args.text) || taint.uses(args.text, start, taint.decoded))) {
        signs.add('decode-chain-eval', `${name}() runs decoded data`, start, end);
      }
    } else if (phpRegexEval.has(name)) {
      const [pattern = '', replacement = '', , options = ''] = args.list;
      const evalModifier =
        name === 'mb_ereg_replace'
          ? /e/.test(options)
          : /^\s*(['"])([^\w\s\\])[^\n]{0,300}\2([a-zA-Z]{0,8})\1\s*$/.exec(pattern)?.[3]?.includes('e') === true;
      if (taint.carries(pattern, start) || (evalModifier && taint.carries(args.text, start))) {
        report('code', `${name}() with the /e modifier`, start, end);
      } else if (evalModifier && phpDecoder.test(replacement)) {
        signs.add('decode-chain-eval', `${name}() with /e evaluates decoded data`, start, end);
      }
    } else {
      const position = phpCallbacks[name]!;
      const callback = (args.list[position] ?? '').trim().replace(/^@\s*/, '');
      const others = args.list.filter((_, i) => i !== position).join(',');
      const reference = phpLanguage.reference!.exec(callback);
      const literal = /^(['"])(\w{1,40})\1$/.exec(callback)?.[2] ?? (reference && !reference[2] ? taint.literalOf(reference[1]!, start) : undefined);
      const target = literal ? kindOf(literal) : undefined;
      if (reference && chosen(reference[1]!, reference[2]!, start)) {
        signs.add('request-chosen-function', `${name}() calls a function the request names`, start, end);
      } else if (target && taint.carries(others, start)) {
        report(target, `${name}('${literal}')`, start, end);
      } else if (/^new\s+\w/i.test(callback) && phpInvokeEval.test(code) && taint.carries(others, start)) {
        report('code', `${name}() on an object whose __invoke evals its argument`, start, end);
      }
    }
  }

  for (const m of scan(phpVariableCall, code)) {
    const [callee, subscript = ''] = [m[1]!, m[2]];
    const open = m.index + m[0].length - 1;
    const args = callArgs(code, open, 'php');
    const end = open + args.text.length + 2;
    if (chosen(callee, subscript, m.index)) {
      signs.add('request-chosen-function', 'a variable function call: the request names the function', m.index, end);
      continue;
    }
    const literal = subscript ? undefined : taint.literalOf(callee, m.index);
    const kind = literal ? kindOf(literal) : undefined;
    if (literal && kind && taint.carries(args.text, m.index)) report(kind, `${callee}(…), holding '${literal}',`, m.index, end);
    else if (literal && phpDecoder.test(`${literal}(`) && evalBefore.test(code.slice(Math.max(0, m.index - 40), m.index))) {
      signs.add('decode-chain-eval', `eval of ${literal}() output, called through ${callee}`, m.index, end);
    }
  }

  for (const m of scan(phpLiteralCallee, code)) {
    const kind = kindOf(m[2]!);
    if (!kind) continue;
    const open = m.index + m[0].length - 1;
    const args = callArgs(code, open, 'php');
    if (taint.carries(args.text, m.index)) report(kind, `'${m[2]}'(…)`, m.index, open + args.text.length + 2);
  }

  for (const [start, end] of shell.slice(0, MAX_CALLS)) {
    if (taint.carries(code.slice(start, Math.min(end, start + ARG_WINDOW)), start)) report('command', 'a backtick string', start, end);
  }

  for (const m of scan(phpIncludeInput, code)) {
    signs.add('eval-of-request-input', 'include of the request body or a data: URL runs it as PHP', m.index);
  }

  for (const m of scan(phpEncoded, code)) {
    const decoders = (m[1]!.match(/\(/g) ?? []).length;
    const evaluated = evalBefore.test(code.slice(Math.max(0, m.index - 40), m.index));
    const blob = m[2]!.startsWith('$') ? (taint.blob.get(m[2]!) ?? Infinity) < m.index : true;
    if (blob && decoders + (evaluated ? 1 : 0) >= 2) {
      const via = `${decoders} decoder${decoders > 1 ? 's' : ''}${evaluated ? ' into eval' : ''}`;
      signs.add('encoded-payload', `a long encoded blob goes through ${via}`, m.index);
    }
  }
}
