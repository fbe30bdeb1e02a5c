// The left pane: every category, with the rules that raised alerts beneath it (the catalogue
// has too many rules to list them all at 80×24), each with total and unacknowledged counts;
// the selected node filters the alert list.
import { Box, Text } from 'ink';
import { categories, type Category } from '../../engine/alert.js';
import type { StoreSnapshot } from '../model/alert-store.js';
import { fit } from '../text.js';

export interface TreeNode {
  category: Category | undefined;
  ruleId: string | undefined;
  label: string;
}

export function treeNodes(
  rules: readonly { id: string; category: Category; title: { en: string; zh: string } }[],
  lang: 'en' | 'zh',
  byRule: StoreSnapshot['byRule'],
): TreeNode[] {
  const nodes: TreeNode[] = [{ category: undefined, ruleId: undefined, label: lang === 'zh' ? '全部告警' : 'All alerts' }];
  for (const category of Object.keys(categories) as Category[]) {
    nodes.push({ category, ruleId: undefined, label: categories[category][lang] });
    for (const rule of rules) {
      if (rule.category === category && (byRule.get(rule.id)?.total ?? 0) > 0) nodes.push({ category, ruleId: rule.id, label: rule.title[lang] });
    }
  }
  return nodes;
}

/** A node's identity, so the selection stays on it when rules appear above it. */
export function nodeKey(node: TreeNode): string {
  return node.ruleId ?? node.category ?? '';
}

export function CategoryTree(props: { nodes: TreeNode[]; selected: number; snapshot: StoreSnapshot; width: number; height: number }) {
  const { nodes, selected, snapshot, width, height } = props;
  const first = Math.max(0, Math.min(selected - Math.floor(height / 2), nodes.length - height));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {nodes.slice(first, first + height).map((node, i) => {
        const index = first + i;
        const counts = node.ruleId
          ? snapshot.byRule.get(node.ruleId)
          : node.category
            ? snapshot.byCategory.get(node.category)
            : [...snapshot.byCategory.values()].reduce((a, c) => ({ total: a.total + c.total, unacked: a.unacked + c.unacked }), { total: 0, unacked: 0 });
        const count = counts && counts.total > 0 ? ` ${counts.unacked}/${counts.total}` : '';
        const indent = node.ruleId ? '  ' : '';
        const label = fit(`${indent}${node.label}`, Math.max(1, width - count.length - 1));
        return (
          <Text key={`${node.category}:${node.ruleId}`} inverse={index === selected} bold={!node.ruleId} dimColor={!count && Boolean(node.ruleId)}>
            {label}
            {' '.repeat(Math.max(0, width - label.length - count.length - 1))}
            <Text color={counts && counts.unacked > 0 ? 'yellow' : undefined}>{count}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
