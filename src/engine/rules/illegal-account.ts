// user.illegal_account: a container's account files hold a cloned account (uid 0 other than
// root, a duplicated uid), a hidden one (name ending in `$`, control or invisible characters,
// passwd/shadow mismatch), or a login-capable account its image does not have.
import type { Severity } from '../alert.js';
import { defineRule } from '../rule.js';
import { accountFindings, type AccountFindingKind } from './account-facts.js';

/** A hostile account file can hold thousands of findings: the first ones make the case. */
const MAX_FINDINGS = 50;

const severityOf: Record<AccountFindingKind, Severity> = {
  'cloned-root': 'critical',
  'duplicate-uid': 'high',
  'hidden-name': 'high',
  'passwd-shadow-mismatch': 'medium',
  'new-login-account': 'medium',
};

export default defineRule({
  id: 'user.illegal_account',
  category: 'user',
  severity: 'high',
  title: { en: 'Illegal system account', zh: '非法系统用户账号' },
  mitre: 'T1136.001',
  consumes: ['files/accounts'],
  create: (profile) => (event) => {
    const { containerId, passwd, shadow, imagePasswd } = event.data;
    return accountFindings({ passwd, shadow, imagePasswd }, profile.accounts.noLoginShells).slice(0, MAX_FINDINGS).map((f) => ({
      key: `${f.kind}\0${f.account}`,
      containerId,
      severity: severityOf[f.kind],
      summary: f.summary,
      evidence: { finding: f.kind, account: f.account, ...f.evidence },
    }));
  },
});
