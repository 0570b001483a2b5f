import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One metric family of a `/metrics` scrape, as parse-prometheus-text-format gives it (prom2json's shape). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

export interface Scrape {
  text: string;
  contentType: string;
  families: MetricFamily[];
  /** Sum of a counter/gauge's values (a histogram's or summary's `_count`) over the series whose labels include `labels`. */
  value(name: string, labels?: Record<string, string>): number;
  /** label values present for `name`, e.g. every `route` of the vendor histogram */
  labelValues(name: string, label: string): string[];
}

export function parseMetrics(text: string, contentType = ''): Scrape {
  const families = parsePrometheusTextFormat(text) as MetricFamily[];
  // parse-prometheus-text-format folds every series of a histogram into one (their labels are lost), so
  // sample values are read from a second parse without the histogram/summary TYPE lines: each `_bucket`,
  // `_sum` and `_count` series is then its own untyped family with its labels intact.
  const samples = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ (histogram|summary)$/gm, '')) as MetricFamily[];
  const typeOf = (name: string) => families.find((f) => f.name === name)?.type;
  const series = (name: string, labels: Record<string, string> = {}) => {
    const sampleName = typeOf(name) === 'HISTOGRAM' || typeOf(name) === 'SUMMARY' ? `${name}_count` : name;
    // untyped samples come as one family per run of lines with the same name: gather them all
    return samples.filter((f) => f.name === sampleName).flatMap((f) => f.metrics).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  };
  return {
    text,
    contentType,
    families,
    value: (name, labels) => series(name, labels).reduce((sum, m) => sum + Number(m.value ?? 0), 0),
    labelValues: (name, label) => [...new Set(series(name).map((m) => m.labels?.[label]).filter((v): v is string => v !== undefined))],
  };
}

/** GETs a Prometheus `/metrics` endpoint and parses it. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return parseMetrics(await res.text(), res.headers.get('content-type') ?? '');
}

/** The `/metrics` URL next to a GraphQL URL (…/graphql → …/metrics). */
export const metricsUrlOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');
