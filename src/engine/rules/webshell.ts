// malware.webshell: a server-side script in a web directory of a container is a backdoor: it
// executes request input, decodes a payload into eval, or carries a known webshell's marks
// (signs in webshell/signs.ts, and the profile's `webshell` signatures).
import { extname } from 'node:path/posix';
import { compilePathGlobs } from '../match.js';
import { defineRule, NONE } from '../rule.js';
import { compileSignatures } from '../signature-match.js';
import { webshellSigns } from './webshell/signs.js';

export default defineRule({
  id: 'malware.webshell',
  category: 'malware',
  severity: 'critical',
  title: { en: 'Webshell', zh: 'Webshell' },
  mitre: 'T1505.003',
  consumes: ['files/file.change'],
  create: (profile) => {
    const inWeb = compilePathGlobs(profile.files.webDirectories.map((d) => `${d}/**`));
    const extensions = new Set(profile.webshell.extensions.map((e) => e.toLowerCase()));
    const signatures = compileSignatures(profile.signatures.filter((s) => s.kind === 'webshell'));
    return (event) => {
      const c = event.data;
      if (c.action === 'deleted' || c.action === 'attributes' || c.content === undefined) return NONE;
      const extension = extname(c.path).slice(1).toLowerCase();
      if (!extensions.has(extension)) return NONE;
      const directory = inWeb(c.path);
      if (directory === undefined) return NONE;
      const signs = webshellSigns(c.content, extension);
      const matched = signatures(c.content, c.path);
      if (signs.length === 0 && matched.length === 0) return NONE;
      const first = signs[0]?.description ?? matched[0]!.description;
      return [
        {
          key: c.path,
          containerId: c.containerId,
          summary: `${c.path} is a webshell: ${first}`,
          evidence: {
            path: c.path,
            action: c.action,
            webDirectory: directory.replace(/\/\*\*$/, ''),
            signs: signs.map((s) => ({ sign: s.sign, line: s.line, excerpt: s.excerpt })),
            ...(matched.length > 0 && { signatures: matched.map((m) => ({ id: m.id, matched: m.matched })) }),
            ...(c.sha256 && { sha256: c.sha256 }),
            size: c.size,
          },
        },
      ];
    };
  },
});
