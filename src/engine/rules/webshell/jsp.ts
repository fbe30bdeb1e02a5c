// JSP: request input into Runtime.exec, ProcessBuilder or a script engine; classes loaded from the request.

import { Taint, balanced, callArgs, type Language } from './calls.js';
import { scan, type Script } from './collect.js';

const javaLanguage: Language = {
  source:
    /(?:\brequest|getRequest\s*\(\s*\))\s*\.\s*get(?:Parameter(?:Values|Map|Names)?|Headers?|HeaderNames|InputStream|Reader|QueryString|Cookies|Parts?)\s*\(/,
  sanitized: new RegExp(
    String.raw`\b(?:Integer\.parseInt|Integer\.valueOf|Long\.parseLong|Long\.valueOf|Double\.parseDouble|Boolean\.parseBoolean)\s*${balanced}`,
    'g',
  ),
  variable: /\b[A-Za-z_]\w{0,64}\b/g,
  assignment: /\b([A-Za-z_]\w{0,64})\s*(?:\[[^\]\n]{0,100}\]\s*)?\+?=(?![=>])/g,
  mutation: /\b([A-Za-z_]\w{0,64})\s*\.\s*(?:add|addAll|append|insert|put|push|concat)\s*\(/g,
  strings: /"(?:[^"\\\n]|\\.){0,400}"/g,
};

export function jsp({ code, signs }: Script): void {
  const taint = new Taint(javaLanguage, code);
  const requestAnywhere = javaLanguage.source.test(code);
  const tainted = (re: RegExp, sign: string, description: string) => {
    for (const m of scan(re, code)) {
      const open = m.index + m[0].length - 1;
      const args = callArgs(code, open, 'java');
      if (taint.carries(args.text, m.index)) signs.add(sign, description, m.index, open + args.text.length + 2);
    }
  };
  if (/\bRuntime\b/.test(code)) tainted(/\.\s*exec\s*\(/g, 'command-of-request-input', 'Runtime.exec runs a command from the request');
  if (/\bProcessBuilder\b/.test(code)) {
    tainted(/\bnew\s+(?:java\.lang\.)?ProcessBuilder\s*\(|\.\s*command\s*\(/g, 'command-of-request-input', 'ProcessBuilder runs a command from the request');
  }
  if (/\b(?:ScriptEngine|ELProcessor|GroovyShell|ExpressionParser)\b/.test(code)) {
    tainted(/\.\s*(?:eval|evaluate|parseExpression)\s*\(/g, 'eval-of-request-input', 'a script engine evaluates code from the request');
  }
  if (!requestAnywhere) return;
  for (const m of scan(/\bforName\s*\(\s*"java\.lang\.(?:Runtime|ProcessBuilder|ProcessImpl|UNIXProcess)"\s*\)/g, code)) {
    signs.add('command-of-request-input', 'the process API is reached by reflection in a page that reads the request', m.index, m.index + m[0].length);
  }
  // Behinder/Godzilla: a class loader defines the (decrypted) class the request carries.
  for (const m of scan(/\bdefine(?:Anonymous)?Class\s*\(/g, code)) {
    const end = m.index + m[0].length + callArgs(code, m.index + m[0].length - 1, 'java').text.length + 1;
    signs.add('code-loading-of-request-input', 'defineClass in a page that reads the request: it loads code sent by the client', m.index, end);
  }
}
