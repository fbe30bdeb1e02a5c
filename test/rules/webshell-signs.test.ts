import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webshellSigns } from '../../src/engine/rules/webshell/signs.js';

const corpus = new URL('../fixtures/webshells/', import.meta.url);
const read = (dir: string, file: string) => readFileSync(new URL(`${dir}/${file}`, corpus), 'utf8');
const signsOf = (dir: string, file: string) => webshellSigns(read(dir, file), extname(file).slice(1));
const idsOf = (dir: string, file: string) => [...new Set(signsOf(dir, file).map((s) => s.sign))].sort();

// The sign each sample is written to exercise (others may fire as well).
const expected: Record<string, string[]> = {
  'antsword-base64-name.php': ['obfuscated-function-name', 'eval-of-request-input'],
  'array-map-assert.php': ['eval-of-request-input'],
  'assembly-load-behinder.aspx': ['code-loading-of-request-input'],
  'backticks-request.php': ['command-of-request-input'],
  'behinder-custom-key.php': ['eval-of-request-input'],
  'behinder-defineclass.jsp': ['code-loading-of-request-input', 'known-webshell-marker'],
  'behinder-invoke-eval.php': ['known-webshell-marker', 'eval-of-request-input'],
  'call-user-func-request-chosen.phtml': ['request-chosen-function'],
  'chr-built-assert.php': ['obfuscated-function-name', 'eval-of-request-input'],
  'chr-built-wscript-run.asp': ['obfuscated-function-name', 'command-of-request-input'],
  'comment-between-eval.phtml': ['obfuscated-function-name', 'eval-of-request-input'],
  'create-function-request.php': ['eval-of-request-input'],
  'decode-chain-base64-eval.php': ['decode-chain-eval'],
  'encoded-payload-gzinflate.php': ['encoded-payload', 'decode-chain-eval'],
  'encoded-payload-hex-variable.php': ['encoded-payload', 'decode-chain-eval'],
  'eval-post-chopper.php': ['eval-of-request-input', 'one-liner-webshell'],
  'eval-request-chopper.asp': ['eval-of-request-input', 'one-liner-webshell'],
  'eval-tainted-variable.php': ['eval-of-request-input'],
  'execute-request-variable.asp': ['eval-of-request-input'],
  'extract-variable-call.php': ['request-chosen-function'],
  'godzilla-defineclass.jspx': ['code-loading-of-request-input'],
  'godzilla-reflection-load.aspx': ['code-loading-of-request-input'],
  'godzilla-session-payload.php': ['known-webshell-marker', 'eval-of-request-input'],
  'hex-escaped-system.php': ['obfuscated-function-name', 'command-of-request-input'],
  'include-php-input.php': ['eval-of-request-input'],
  'jscript-eval-unsafe-oneliner.aspx': ['eval-of-request-input', 'one-liner-webshell'],
  'marker-b374k.php': ['known-webshell-marker'],
  'marker-c99shell.php': ['known-webshell-marker'],
  'marker-r57shell.php': ['known-webshell-marker'],
  'marker-wso-filesman.php': ['known-webshell-marker'],
  'mixed-case-eval.php': ['obfuscated-function-name', 'eval-of-request-input'],
  'passthru-header.php': ['command-of-request-input'],
  'popen-server-header.php': ['command-of-request-input'],
  'preg-replace-e-modifier.php': ['eval-of-request-input'],
  'proc-open-php-input.php': ['command-of-request-input'],
  'process-start-request.aspx': ['command-of-request-input'],
  'processbuilder-parameter.jsp': ['command-of-request-input'],
  'processstartinfo-arguments.aspx': ['command-of-request-input'],
  'reflection-runtime-concat.jsp': ['obfuscated-function-name', 'command-of-request-input'],
  'runtime-exec-oneliner.jsp': ['command-of-request-input', 'one-liner-webshell'],
  'runtime-exec-parameter.jsp': ['command-of-request-input'],
  'scriptengine-eval.jsp': ['eval-of-request-input'],
  'shell-exec-cookie.php': ['command-of-request-input'],
  'str-replace-create-function.php': ['obfuscated-function-name', 'eval-of-request-input'],
  'strrev-assert.php': ['obfuscated-function-name', 'eval-of-request-input'],
  'superglobal-built-name.php': ['obfuscated-function-name', 'request-chosen-function'],
  'system-request.php': ['command-of-request-input'],
  'variable-function-concat-system.php': ['obfuscated-function-name', 'command-of-request-input'],
  'variable-function-get.php': ['request-chosen-function'],
  'wscript-shell-exec.asp': ['command-of-request-input'],
};

describe('webshellSigns', () => {
  const malicious = readdirSync(new URL('malicious/', corpus)).sort();
  const benign = readdirSync(new URL('benign/', corpus)).sort();

  it('has a corpus of every kind: 25+ samples each way, php, phtml, jsp, jspx, asp and aspx', () => {
    expect(malicious.length).toBeGreaterThanOrEqual(25);
    expect(benign.length).toBeGreaterThanOrEqual(20);
    for (const ext of ['.php', '.phtml', '.jsp', '.jspx', '.asp', '.aspx']) expect(malicious.some((f) => f.endsWith(ext))).toBe(true);
    expect(malicious.filter((f) => !(f in expected))).toEqual([]);
  });

  it.each(malicious)('finds the signs of malicious/%s', (file) => {
    expect(idsOf('malicious', file)).toEqual(expect.arrayContaining(expected[file]!));
  });

  it.each(benign)('stays quiet on benign/%s', (file) => {
    expect(signsOf('benign', file)).toEqual([]);
  });

  it('reports the line and the matching text, whitespace collapsed and short', () => {
    const signs = signsOf('malicious', 'eval-tainted-variable.php');
    expect(signs).toEqual([{ sign: 'eval-of-request-input', description: 'eval() runs PHP code from the request', excerpt: 'eval($code)', line: 10 }]);
    const blob = signsOf('malicious', 'encoded-payload-gzinflate.php');
    for (const s of blob) expect(s.excerpt.length).toBeLessThanOrEqual(160);
    expect(signsOf('malicious', 'comment-between-eval.phtml').map((s) => s.excerpt)).toContain("eval/* status */($_POST['s'])");
  });

  it('follows request input only forwards through the file', () => {
    expect(webshellSigns("<?php\n$x = $_POST['a'];\neval($x);\n", 'php').map((s) => s.sign)).toEqual(['eval-of-request-input']);
    expect(webshellSigns("<?php\neval($x);\n$x = $_POST['a'];\n", 'php')).toEqual([]);
    expect(webshellSigns("<?php\n$x = $_POST['a'];\n$x = 'uptime';\nexec(escapeshellarg($x));\n", 'php')).toEqual([]);
  });

  it('ignores commented-out code and code outside PHP tags', () => {
    expect(webshellSigns("<?php\n// eval($_POST['x']);\n/* system($_GET['c']); */\n# passthru($_GET['c']);\n", 'php')).toEqual([]);
    expect(webshellSigns("<p>Example: eval($_POST['x']) is dangerous</p>\n", 'php')).toEqual([]);
    expect(webshellSigns('<%-- Runtime.getRuntime().exec(request.getParameter("c")) --%>\n<p>ok</p>\n', 'jsp')).toEqual([]);
    expect(webshellSigns('<%\n\' Execute(Request("c"))\nResponse.Write "ok"\n%>\n', 'asp')).toEqual([]);
  });

  it('matches extensions in any case, with or without the dot; unknown ones get the markers only', () => {
    const shell = "<?php @eval($_POST['x']); ?>";
    expect(webshellSigns(shell, '.PHP').map((s) => s.sign)).toContain('eval-of-request-input');
    expect(webshellSigns(shell, 'txt')).toEqual([]);
    expect(webshellSigns('$default_action = "FilesMan";', 'txt').map((s) => s.sign)).toEqual(['known-webshell-marker']);
  });

  describe('on hostile input', () => {
    const N = 256 * 1024;
    const fill = (unit: string, head = '<?php ') => (head + unit.repeat(Math.ceil(N / unit.length))).slice(0, N);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const tokens = ['eval(', '$a', '=', '$_POST[', "'x'", '"\\x73', '.', 'chr(115)', 'base64_decode(', '(', ')', ';', '\n', ' ', '/*', '*/', '//',
      '#', '`', "'", '"', '<?php', '?>', 'system', '$f(', '[', ']', 'request.getParameter(', 'Runtime', '.exec(', 'Request(', 'Execute ', '<%',
      '%>', 'new ProcessBuilder(', 'defineClass(', 'AAAA', 'str_replace(', ',', '<<<A\n', 'A;\n', '\\', '&', '+', 'Chr(65)'];
    const soup = () => {
      let s = '<?php ';
      while (s.length < N) s += tokens[Math.floor(random() * tokens.length)];
      return s.slice(0, N);
    };
    const inputs: Record<string, string> = {
      'nested eval(': fill('eval('),
      'a=a= assignments': fill('$a=$a='),
      'concatenated pieces': fill("'a'."),
      'chr() pieces': fill('chr(1).'),
      'escaped strings': fill('"\\x41\\x42'),
      'decoder calls': fill('base64_decode('),
      'request sources': fill('$_POST['),
      'an unclosed comment': '<?php /*' + 'a'.repeat(N),
      'a long blob': `<?php eval(gzinflate(base64_decode('${'A'.repeat(N)}')));`,
      'variable calls': fill('$x('),
      'quotes': fill('"'),
      'callbacks with request input': fill('array_map($_GET[1],'),
      'a quote after many calls': `<?php ${'eval('.repeat(80)}"${'a'.repeat(N)}`.slice(0, N),
      'str_replace calls': fill("str_replace('a','','aaa'),"),
      'token soup': soup(),
    };

    it.each(Object.keys(inputs))('finishes a 256 KiB file of %s in well under 100 ms, for every family', (name) => {
      const text = inputs[name]!;
      for (const ext of ['php', 'jsp', 'aspx', 'asp']) {
        webshellSigns(text, ext); // compiled and warm: what is measured is the algorithm
        const start = performance.now();
        const signs = webshellSigns(text, ext);
        const elapsed = performance.now() - start;
        expect(elapsed, `${ext}: ${elapsed.toFixed(1)} ms`).toBeLessThan(100);
        expect(signs.length).toBeLessThanOrEqual(32);
      }
    });

    it('never throws, whatever the bytes', () => {
      for (let i = 0; i < 200; i++) {
        let s = '';
        for (let j = 0; j < 200; j++) s += random() < 0.5 ? tokens[Math.floor(random() * tokens.length)] : String.fromCharCode(Math.floor(random() * 0x3000));
        for (const ext of ['php', 'jsp', 'jspx', 'aspx', 'asp', 'cer']) expect(() => webshellSigns(s, ext)).not.toThrow();
      }
      expect(() => webshellSigns('<?php $f = "\\u{110000}\\u\\9\\x"; $f($_GET[1]);', 'php')).not.toThrow();
    });
  });
});
