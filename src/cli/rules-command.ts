// `vigil rules [--json]`: the catalogue as implemented.
import { catalogue } from '../engine/rules/index.js';

export function rulesCommand(json: boolean, out: NodeJS.WritableStream = process.stdout): void {
  for (const rule of catalogue) {
    const entry = {
      id: rule.id,
      category: rule.category,
      severity: rule.severity,
      title: rule.title.en,
      titleZh: rule.title.zh,
      ...(rule.mitre && { mitre: rule.mitre }),
      consumes: rule.consumes,
    };
    out.write(json ? `${JSON.stringify(entry)}\n` : `${rule.id.padEnd(36)} ${rule.category.padEnd(8)} ${rule.severity.padEnd(9)} ${rule.title.en} (${rule.title.zh})\n`);
  }
}
