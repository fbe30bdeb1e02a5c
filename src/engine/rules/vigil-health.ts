// vigil's own health, reported as alerts of category `vigil`: a source that went down or
// degraded, events lost by the kernel or dropped by vigil, and the outcome of enforcement actions.
import { defineRule, NONE } from '../rule.js';

export const sourceDown = defineRule({
  id: 'vigil.source_down',
  category: 'vigil',
  severity: 'high',
  title: { en: 'Source unavailable', zh: '数据源不可用' },
  consumes: ['vigil/source.status'],
  create: () => (event) => {
    const { source, state, reason } = event.data;
    if (state === 'up' || state === 'off') return NONE;
    return [
      {
        // Every outage is its own alert: keyed by the event that reported it.
        key: `${source}\0${event.seq}`,
        severity: state === 'down' ? 'high' : 'medium',
        summary: `${source} source ${state}${reason ? `: ${reason}` : ''}`,
        evidence: { source, state, ...(reason && { reason }) },
      },
    ];
  },
});

export const enforcement = defineRule({
  id: 'vigil.enforcement',
  category: 'vigil',
  severity: 'low',
  title: { en: 'Enforcement action', zh: '阻断处置' },
  consumes: ['vigil/enforcement'],
  create: () => (event) => {
    const { containerId, action, ok, error } = event.data;
    return [
      {
        // One alert per container and outcome: a restart loop must not flood the list.
        key: `${action}\0${ok}`,
        severity: ok ? 'low' : 'high',
        containerId,
        summary: ok ? `vigil stopped the container (enforce: true)` : `vigil could not stop the container: ${error ?? 'unknown error'}`,
        evidence: { action, ok, ...(error && { error }) },
      },
    ];
  },
});

export const auditLost = defineRule({
  id: 'vigil.audit_lost',
  category: 'vigil',
  severity: 'high',
  title: { en: 'Audit events lost', zh: '审计事件丢失' },
  consumes: ['audit/status'],
  create: () => (event) => {
    const { lost, lostSince, backlog } = event.data;
    if (lostSince === 0) return NONE;
    return [
      {
        key: `${event.seq}`,
        summary: `the kernel dropped ${lostSince} audit record${lostSince === 1 ? '' : 's'} (${lost} lost since boot): detection has gaps`,
        evidence: { lostSince, lost, backlog },
      },
    ];
  },
});

export const eventsDropped = defineRule({
  id: 'vigil.events_dropped',
  category: 'vigil',
  severity: 'high',
  title: { en: 'Events dropped', zh: '事件丢弃' },
  consumes: ['vigil/dropped'],
  create: () => (event) => {
    const { source, count, total } = event.data;
    return [
      {
        // Each report is its own alert: reports come at most every few seconds per source.
        key: `${source}\0${event.seq}`,
        summary: `vigil dropped ${count} ${source} event${count === 1 ? '' : 's'} (${total} since start): more than the engine could keep up with, detection has gaps`,
        evidence: { source, count, total },
      },
    ];
  },
});
