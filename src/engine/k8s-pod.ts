// A pod normalised from the Kubernetes API's JSON (a watched object, or the request object of an
// audit event): only the fields the cluster rules read, each defaulted when absent or mistyped,
// so hostile or partial objects never throw.
import type { Pod, PodContainer } from './events.js';
import { list, obj, str, strings } from './json.js';

const bool = (v: unknown): boolean => v === true;

function container(value: unknown): PodContainer {
  const c = obj(value);
  const sc = obj(c.securityContext);
  const caps = obj(sc.capabilities);
  return {
    name: str(c.name),
    image: str(c.image),
    privileged: bool(sc.privileged),
    ...(typeof sc.allowPrivilegeEscalation === 'boolean' && { allowPrivilegeEscalation: sc.allowPrivilegeEscalation }),
    ...(Number.isInteger(sc.runAsUser) && { runAsUser: sc.runAsUser as number }),
    capAdd: strings(caps.add),
    capDrop: strings(caps.drop),
    volumeMounts: list(c.volumeMounts).map((m) => ({ name: str(obj(m).name), mountPath: str(obj(m).mountPath), readOnly: bool(obj(m).readOnly) })),
  };
}

/** The pod in a Pod object, or undefined when the value is not one. */
export function podFromObject(value: unknown): Pod | undefined {
  const pod = obj(value);
  if (pod.kind !== undefined && pod.kind !== 'Pod') return undefined;
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  if (Object.keys(spec).length === 0) return undefined;
  const annotations = Object.fromEntries(Object.entries(obj(meta.annotations)).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    namespace: str(meta.namespace),
    name: str(meta.name) || str(meta.generateName),
    uid: str(meta.uid),
    nodeName: str(spec.nodeName),
    serviceAccountName: str(spec.serviceAccountName),
    annotations,
    ownerReferences: list(meta.ownerReferences).map((o) => ({ kind: str(obj(o).kind), name: str(obj(o).name) })),
    hostNetwork: bool(spec.hostNetwork),
    hostPID: bool(spec.hostPID),
    hostIPC: bool(spec.hostIPC),
    containers: list(spec.containers).map(container),
    initContainers: list(spec.initContainers).map(container),
    ephemeralContainers: list(spec.ephemeralContainers).map(container),
    volumes: list(spec.volumes).map((v) => {
      const hostPath = str(obj(obj(v).hostPath).path);
      return { name: str(obj(v).name), ...(hostPath && { hostPath }) };
    }),
    phase: str(obj(pod.status).phase),
  };
}
