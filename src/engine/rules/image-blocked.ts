// system.image_blocked: a container from an image on the blocked list. With `enforce: true`
// vigil also asks for it to be stopped whenever it runs (a response, executed outside the engine).
import { compileImageMatcher } from '../match.js';
import { defineRule, NONE } from '../rule.js';
import { containerVerb } from './container-wording.js';

export default defineRule({
  id: 'system.image_blocked',
  category: 'system',
  severity: 'high',
  title: { en: 'Container image blocked', zh: '容器镜像阻断' },
  mitre: 'T1610',
  consumes: ['docker/container.snapshot'],
  create: (profile) => {
    const blocked = compileImageMatcher(profile.blockedImages);
    return (event) => {
      const c = event.data.container;
      const pattern = blocked(c);
      if (!pattern) return NONE;
      // A `die` snapshot can be taken before the daemon marks the container stopped.
      const running = c.state.running && event.data.reason !== 'die';
      const enforcement = !profile.enforce ? 'off' : running ? 'stopping' : 'stop when started';
      const action = !profile.enforce ? '' : running ? '; vigil is stopping it (enforce: true)' : '; vigil stops it if it starts (enforce: true)';
      return [
        {
          key: pattern,
          containerId: c.id,
          summary: `${containerVerb(event.data.reason, c)} from blocked image ${c.image} (matches ${pattern})${action}`,
          evidence: { image: c.image, imageId: c.imageId, blockedBy: pattern, enforce: profile.enforce, enforcement },
          ...(profile.enforce && running && {
            response: { action: 'stop' as const, containerId: c.id, reason: `blocked image ${c.image} (${pattern})` },
          }),
        },
      ];
    };
  },
});
