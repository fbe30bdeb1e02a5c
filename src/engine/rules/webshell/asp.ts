// ASP / ASP.NET: request input into Execute/eval, Process.Start or WScript.Shell; assemblies loaded from the request.

import { ARG_WINDOW, Taint, balanced, callArgs, type Language } from './calls.js';
import { scan, type Script } from './collect.js';
import type { Dialect } from './lex.js';

const aspLanguage: Language = {
  source: /\bRequest\s*(?:\.\s*(?:Form|QueryString|Item|Params|Cookies|Headers|ServerVariables|BinaryRead|InputStream|Files|Unvalidated)\b|[(\[])/i,
  sanitized: new RegExp(
    String.raw`\b(?:int\.Parse|Int32\.Parse|Int64\.Parse|long\.Parse|Convert\.ToInt(?:32|64)|Convert\.ToBoolean` +
      String.raw`|CInt|CLng|CDbl|CBool|IsNumeric|Len)\s*${balanced}`,
    'gi',
  ),
  variable: /\b[A-Za-z_]\w{0,64}\b/g,
  assignment: /\b([A-Za-z_]\w{0,64})\s*(?:\[[^\]\n]{0,100}\]\s*)?[+&]?=(?![=>])/g,
  mutation: /\b([A-Za-z_]\w{0,64})\s*\.\s*(?:Add|AddRange|Append|AppendLine|Insert)\s*\(/g,
  strings: /"[^"\n]{0,400}"/g,
  ignoreCase: true,
};

export function asp({ code, signs }: Script, dialect: Dialect): void {
  const taint = new Taint(aspLanguage, code);
  const requestAnywhere = aspLanguage.source.test(code);
  const tainted = (re: RegExp, sign: string, description: string) => {
    for (const m of scan(re, code)) {
      const args = statementArgs(code, m.index + m[0].length, dialect);
      if (taint.carries(args, m.index)) signs.add(sign, description, m.index, argsEnd(code, m.index + m[0].length, args));
    }
  };
  // eval/Execute are the script engines' own (VBScript, JScript); in C# an Eval( is data binding.
  if (dialect === 'vb' || dialect === 'jscript') {
    for (const m of scan(/(?<![\w.])(eval|execute|executeglobal)\b\s*\(?/gi, code)) {
      const args = statementArgs(code, m.index + m[0].length, dialect);
      const end = argsEnd(code, m.index + m[0].length, args);
      if (taint.carries(args, m.index)) signs.add('eval-of-request-input', `${m[1]} runs script from the request`, m.index, end);
      if (/FromBase64String|\b\w{0,20}decode\w{0,20}\s*\(/i.test(args)) signs.add('decode-chain-eval', `${m[1]} runs decoded data`, m.index, end);
    }
  }
  const processStart = /\bProcess\s*\.\s*Start\s*\(|\bnew\s+(?:System\.Diagnostics\.)?ProcessStartInfo\s*\(/g;
  tainted(processStart, 'command-of-request-input', 'Process.Start runs a command from the request');
  if (/\bProcess/.test(code)) {
    tainted(/\.\s*(?:Arguments|FileName)\s*=/g, 'command-of-request-input', 'a process is started with arguments from the request');
  }
  if (/WScript\.Shell|Shell\.Application/i.test(code)) {
    tainted(/\.\s*(?:exec|run|ShellExecute)\b\s*\(?/gi, 'command-of-request-input', 'WScript.Shell runs a command from the request');
  }
  tainted(/\bAssembly\s*\.\s*Load(?:From|File)?\s*\(/g, 'code-loading-of-request-input', 'Assembly.Load loads code sent by the client');
  if (requestAnywhere && /\bAssembly\b/.test(code)) {
    for (const m of scan(/\bGetMethod\s*\(\s*"Load"/g, code)) {
      const open = m.index + m[0].indexOf('(');
      const end = open + callArgs(code, open, 'csharp').text.length + 2;
      signs.add('code-loading-of-request-input', 'Assembly.Load reached by reflection in a page that reads the request', m.index, end);
    }
  }
}

/** Where statementArgs' text ends: after the `)` when parenthesised. */
function argsEnd(code: string, after: number, args: string): number {
  return after + args.length + (code[after - 1] === '(' ? 1 : 0);
}

/** A call's arguments: parenthesised, or (VBScript's `Execute x`) the rest of the statement. */
function statementArgs(code: string, after: number, dialect: Dialect): string {
  if (code[after - 1] === '(') return callArgs(code, after - 1, dialect).text;
  const rest = code.slice(after, after + ARG_WINDOW);
  const stop = rest.search(/\n|%>/);
  return stop < 0 ? rest : rest.slice(0, stop);
}
