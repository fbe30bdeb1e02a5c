// The rule catalogue. A new rule is one file plus one line here.
import type { AnyRule } from '../rule.js';
import containerMounts from './container-mounts.js';
import containerNamespaces from './container-namespaces.js';
import containerSecurityOptions from './container-security-options.js';
import imageBlocked from './image-blocked.js';
import { enforcement, sourceDown } from './vigil-health.js';

export const catalogue: readonly AnyRule[] = [
  containerSecurityOptions,
  containerMounts,
  containerNamespaces,
  imageBlocked,
  sourceDown,
  enforcement,
];
