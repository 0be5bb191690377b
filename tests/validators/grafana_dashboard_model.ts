// Grafana's dashboard JSON model as TypeScript types, from the npm package @grafana/schema (types
// generated from Grafana's CUE schema), made strict enough to check a dashboard file with tsc.
// Used by grafana_dashboard_check.py, which copies this file next to the generated checks inside
// the npm project (/opt/grafana-schema-check or GRAFANA_SCHEMA_CHECK) and runs `tsc --strict`.
//
// Two adjustments to the generated types, both only to say what a JSON file can say:
// - Json<T>: the generated types use TypeScript enums (ThresholdsMode, VariableRefresh, ...), to
//   which a JSON string or number literal is not assignable; Json<T> spells each enum as the union
//   of its values ("absolute" | "percentage", 0 | 1 | 2), everything else unchanged (required and
//   optional properties, null, arrays, no index signatures where the schema has none).
// - Panels: the generic Panel model types `options` and `fieldConfig.defaults.custom` as
//   Record<string, unknown> (any key, any value), so the checker types each panel of a core type
//   with its plugin's own Options and FieldConfig (the panelcfg schemas in the same package).
//   Those are DeepPartial: Grafana merges a panel's options and custom field config over the
//   plugin's defaults on load, so an omitted option is valid, an unknown or mistyped one is not.
import type { DataQuery, Dashboard, RowPanel } from '@grafana/schema';
import type * as raw from '@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen';
import type * as BarChart from '@grafana/schema/dist/esm/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen';
import type * as BarGauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as Gauge from '@grafana/schema/dist/esm/raw/composable/gauge/panelcfg/x/GaugePanelCfg_types.gen';
import type * as Heatmap from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type * as Histogram from '@grafana/schema/dist/esm/raw/composable/histogram/panelcfg/x/HistogramPanelCfg_types.gen';
import type * as Logs from '@grafana/schema/dist/esm/raw/composable/logs/panelcfg/x/LogsPanelCfg_types.gen';
import type * as PieChart from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as StateTimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as StatusHistory from '@grafana/schema/dist/esm/raw/composable/statushistory/panelcfg/x/StatusHistoryPanelCfg_types.gen';
import type * as Table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as Text from '@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** A numeric enum member as its number literal. */
type NumberLiteral<T extends number> = `${T}` extends `${infer N extends number}` ? N : never;

/** The JSON spelling of a generated type: enums become the unions of their values. */
export type Json<T> = T extends string
  ? `${T}`
  : T extends number
    ? number extends T
      ? number
      : NumberLiteral<T>
    : T extends boolean | null | undefined
      ? T
      : T extends ReadonlyArray<infer E>
        ? Array<Json<E>>
        : T extends object
          ? { [K in keyof T]: Json<T[K]> }
          : T;

/** Every property optional at every object level (array elements keep their own shape). */
export type DeepPartial<T> = T extends ReadonlyArray<unknown>
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The whole dashboard: the package's root `Dashboard` (its veneer over the generated kind). */
export interface GrafanaDashboard extends Json<Dashboard> {}

/** A query: the schema's DataQuery fields are typed, a datasource's own fields (expr, ...) free. */
export type Target = Partial<Json<DataQuery>> & Record<string, unknown>;

type PanelBase = Omit<Json<raw.Panel>, 'type' | 'options' | 'fieldConfig' | 'targets'>;

export interface FieldConfigOf<TCustom> extends Omit<Json<raw.FieldConfig>, 'custom'> {
  custom?: TCustom;
}

export interface FieldConfigSourceOf<TCustom> extends Omit<Json<raw.FieldConfigSource>, 'defaults'> {
  defaults: FieldConfigOf<TCustom>;
}

/** A panel of one core type, with that plugin's options and custom field config. */
export interface PanelOf<TType extends string, TOptions, TCustom = Record<string, unknown>>
  extends PanelBase {
  type: TType;
  options?: DeepPartial<Json<TOptions>>;
  fieldConfig?: FieldConfigSourceOf<TCustom>;
  targets?: Target[];
}

type Custom<T> = DeepPartial<Json<T>>;

/** The core panel types checked strictly, by their `type` id. Others get the generic Panel model. */
export interface StrictPanels {
  barchart: PanelOf<'barchart', BarChart.Options, Custom<BarChart.FieldConfig>>;
  bargauge: PanelOf<'bargauge', BarGauge.Options>;
  gauge: PanelOf<'gauge', Gauge.Options>;
  heatmap: PanelOf<'heatmap', Heatmap.Options, Custom<Heatmap.FieldConfig>>;
  histogram: PanelOf<'histogram', Histogram.Options, Custom<Histogram.FieldConfig>>;
  logs: PanelOf<'logs', Logs.Options>;
  piechart: PanelOf<'piechart', PieChart.Options, Custom<PieChart.FieldConfig>>;
  stat: PanelOf<'stat', Stat.Options>;
  'state-timeline': PanelOf<'state-timeline', StateTimeline.Options, Custom<StateTimeline.FieldConfig>>;
  'status-history': PanelOf<'status-history', StatusHistory.Options, Custom<StatusHistory.FieldConfig>>;
  table: PanelOf<'table', Table.Options, Custom<Table.FieldConfig>>;
  text: PanelOf<'text', Text.Options>;
  timeseries: PanelOf<'timeseries', TimeSeries.Options, Custom<TimeSeries.FieldConfig>>;
}

/** A row; its own panels are checked one by one like the dashboard's. */
export type StrictRow = Json<RowPanel>;
