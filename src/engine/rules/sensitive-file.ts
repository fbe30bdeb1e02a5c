// system.sensitive_file: a file the profile protects for the container's image (protectedFiles:
// image glob -> in-container path globs) is modified, renamed, deleted, or has its mode or owner
// changed. Files found at container start are not changes.
import { compileImageMatcher, compilePathGlobs } from '../match.js';
import { defineRule, NONE } from '../rule.js';

const verbs = { created: 'created', modified: 'modified', renamed: 'renamed', deleted: 'deleted', attributes: 'given a new mode or owner' } as const;

export default defineRule({
  id: 'system.sensitive_file',
  category: 'system',
  severity: 'high',
  title: { en: 'Sensitive file access', zh: '敏感文件访问' },
  mitre: 'T1565.001',
  consumes: ['files/file.change'],
  create: (profile) => {
    const policies = Object.entries(profile.protectedFiles).map(([image, paths]) => ({
      image,
      matchesImage: compileImageMatcher([image]),
      matchesPath: compilePathGlobs(paths),
    }));
    return (event, ctx) => {
      const change = event.data;
      if (change.action === 'present') return NONE;
      const container = ctx.containers.get(change.containerId)?.snapshot;
      if (!container) return NONE;
      // A rename touches two names: the protected one may be either.
      const names = [change.path, ...(change.previousPath === undefined ? [] : [change.previousPath])];
      for (const policy of policies) {
        if (policy.matchesImage(container) === undefined) continue;
        for (const name of names) {
          const glob = policy.matchesPath(name);
          if (glob === undefined) continue;
          const how = change.action === 'renamed' && name === change.previousPath ? `renamed to ${change.path}` : verbs[change.action];
          return [
            {
              key: `${change.action}\0${name}`,
              containerId: change.containerId,
              summary: `protected file ${name} ${how}`,
              evidence: {
                path: name,
                action: change.action,
                ...(change.previousPath !== undefined && { previousPath: change.previousPath }),
                protectedBy: { image: policy.image, path: glob },
                ...(change.stat && { stat: change.stat }),
                ...(change.previousStat && { previousStat: change.previousStat }),
                ...(change.sha256 && { sha256: change.sha256 }),
                size: change.size,
              },
            },
          ];
        }
      }
      return NONE;
    };
  },
});
