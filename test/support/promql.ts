import { parser } from '@prometheus-io/lezer-promql';

/**
 * The metric names a PromQL expression selects, read with Prometheus's own PromQL grammar (the one its
 * web UI uses); throws when the expression does not parse.
 */
export function metricNamesIn(expr: string): string[] {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL does not parse at ${cursor.from}: ${expr}`);
    // an Identifier directly inside a VectorSelector is a metric name (label names are LabelName nodes)
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') names.add(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return [...names];
}
