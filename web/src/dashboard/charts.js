// The dashboard's ECharts: online viewers and GMV over time, the funnel, the hot words.
// Only the parts used are imported (the bundle stays small); the SVG renderer keeps text as
// text (crisp on big screens, readable by tests). Charts get plain data; anything a user
// wrote reaches a tooltip only as a DOM node built with el(), never as HTML.
import * as echarts from 'echarts/core';
import { BarChart, FunnelChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { el } from '../common/dom.js';
import { clock, percent, yuan } from '../common/format.js';
import { t } from '../common/i18n.js';

echarts.use([LineChart, BarChart, FunnelChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const C = {
  text: '#f1f1f5',
  muted: '#a0a0b2',
  grid: '#2c2c38',
  online: '#4ea1ff',
  gmv: '#ffb020',
  accent: '#ff5a36',
  tooltipBg: '#111118',
};
const FONT = '-apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "Segoe UI", Roboto, sans-serif';
const FUNNEL_COLORS = ['#4ea1ff', '#3fc1c9', '#2fbf71', '#ffb020', '#ff5a36'];

const tooltipBase = {
  backgroundColor: C.tooltipBg,
  borderColor: '#3a3a48',
  textStyle: { color: C.text, fontSize: 13 },
  confine: true,
};

// ECharts reads {a|…} in labels as rich-text markup; names from users are shown as written.
const plain = (s) => String(s).replace(/[{}|]/g, (c) => ({ '{': '｛', '}': '｝', '|': '｜' })[c]);

// An ECharts instance that follows its container's size; unmount() lets both go.
export function mountChart(node) {
  const chart = echarts.init(node, null, { renderer: 'svg' });
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(node);
  chart.unmount = () => { observer.disconnect(); chart.dispose(); };
  return chart;
}

// series: SERIES of the snapshot; stepMs 1000 or 10000; atMs the snapshot's time (its last
// point); intervals before startedMs (the broadcast's start) are left out.
export function trendOption(series, stepMs, atMs, startedMs) {
  const all = series?.online?.length || 0;
  const since = startedMs ? Math.floor((atMs - startedMs) / stepMs) + 1 : all;
  const first = Math.max(0, all - Math.max(2, since));
  const online = (series?.online || []).slice(first);
  const gmv = (series?.gmv_cents || []).slice(first).map((c) => c / 100);
  const n = online.length;
  const times = Array.from({ length: n }, (_, i) => clock(atMs - (n - 1 - i) * stepMs));
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 8, right: 8, top: 40, bottom: 4, containLabel: true },
    legend: {
      top: 0, right: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: C.muted, fontSize: 13 },
      data: [t('chart.online'), t('chart.gmv')],
    },
    tooltip: { ...tooltipBase, trigger: 'axis', axisPointer: { type: 'line', lineStyle: { color: '#555' } } },
    xAxis: {
      type: 'category', data: times, boundaryGap: true,
      axisLine: { lineStyle: { color: C.grid } }, axisTick: { show: false },
      axisLabel: { color: C.muted, fontSize: 12, hideOverlap: true },
    },
    yAxis: [
      {
        type: 'value', minInterval: 1, min: 0,
        axisLabel: { color: C.online, fontSize: 12 }, splitLine: { lineStyle: { color: C.grid } },
      },
      {
        type: 'value', min: 0,
        axisLabel: { color: C.gmv, fontSize: 12, formatter: (v) => `¥${v}` }, splitLine: { show: false },
      },
    ],
    series: [
      {
        name: t('chart.online'), type: 'line', data: online, smooth: 0.3, showSymbol: false, z: 3,
        lineStyle: { width: 2.5, color: C.online }, itemStyle: { color: C.online },
        areaStyle: {
          color: { type: 'linear', x: 0, y: 0, x2: 0, y2: 1, colorStops: [{ offset: 0, color: 'rgba(78,161,255,.35)' }, { offset: 1, color: 'rgba(78,161,255,0)' }] },
        },
      },
      {
        name: t('chart.gmv'), type: 'bar', yAxisIndex: 1, data: gmv, barMaxWidth: 12,
        itemStyle: { color: C.gmv, borderRadius: [3, 3, 0, 0] },
        tooltip: { valueFormatter: (v) => yuan(Math.round((Number(v) || 0) * 100)) },
      },
    ],
  };
}

// funnel: the window's funnel steps [{step, viewers, rate, of_entered}].
export function funnelOption(funnel) {
  const steps = funnel || [];
  const max = Math.max(1, ...steps.map((s) => s.viewers || 0));
  // A rate over a step nobody reached says nothing: shown as none, not as 0 %.
  const data = steps.map((s, i) => ({
    name: t(`funnel.${s.step}`),
    value: s.viewers || 0,
    rate: i > 0 && !steps[i - 1].viewers ? undefined : s.rate,
    ofEntered: s.of_entered,
    itemStyle: { color: FUNNEL_COLORS[i % FUNNEL_COLORS.length] },
  }));
  const geometry = {
    type: 'funnel', left: '2%', width: '58%', top: 6, bottom: 6, min: 0, max,
    minSize: '38%', maxSize: '100%', sort: 'none', gap: 4, funnelAlign: 'center',
  };
  return {
    animationDurationUpdate: 300,
    textStyle: { fontFamily: FONT },
    tooltip: {
      ...tooltipBase, trigger: 'item',
      formatter: (p) => el('div', {}, el('b', {}, `${p.name}  ${p.value}`),
        p.data.rate === null || p.data.rate === undefined ? null : el('div', {}, t('funnel.rate', { v: percent(p.data.rate) })),
        el('div', {}, t('funnel.of_entered', { v: percent(p.data.ofEntered) }))),
    },
    series: [
      {
        ...geometry, name: 'funnel', data,
        itemStyle: { borderWidth: 0 },
        label: {
          show: true, position: 'inside', color: '#fff', fontSize: 14, fontWeight: 600,
          formatter: (p) => `${p.name}  ${p.value}`,
          textBorderColor: 'rgba(0,0,0,.35)', textBorderWidth: 2,
        },
        emphasis: { label: { fontSize: 15 } },
      },
      {
        ...geometry, name: 'rates', silent: true, z: 1,
        // The same shapes, unpainted, only to carry each step's rate on its right.
        data: data.map((d) => ({ ...d, itemStyle: { color: 'rgba(0,0,0,0)', borderWidth: 0 } })),
        labelLine: { show: true, length: 14, lineStyle: { color: '#3a3a48' } },
        label: {
          show: true, position: 'right', color: C.muted, fontSize: 12, lineHeight: 18,
          formatter: (p) => (p.data.rate === null || p.data.rate === undefined ? (p.dataIndex ? '—' : '')
            : `{big|${percent(p.data.rate)}} ${t('funnel.of_previous')}\n${t('funnel.of_entered', { v: percent(p.data.ofEntered) })}`),
          rich: { big: { color: C.text, fontSize: 15, fontWeight: 700, lineHeight: 20, fontFamily: FONT } },
        },
      },
    ],
  };
}

// words: hot_words of the snapshot; titleOf(sku) → the product's title.
export function hotWordsOption(words, titleOf) {
  const top = (words || []).slice(0, 10);
  const productsOf = (w) => (w.skus || []).map((sku) => titleOf(sku));
  return {
    animationDurationUpdate: 300,
    textStyle: { fontFamily: FONT },
    grid: { left: 8, right: 8, top: 4, bottom: 4, containLabel: true },
    tooltip: {
      ...tooltipBase, trigger: 'item',
      formatter: (p) => {
        const w = top[p.dataIndex];
        if (!w) return '';
        const products = productsOf(w);
        return el('div', { class: 'chart-tip' }, el('b', {}, w.word),
          el('div', {}, t('chart.word_score', { v: (Number(w.score) || 0).toFixed(1) })),
          el('div', {}, t('chart.word_comments', { n: w.comments })),
          products.length ? el('div', {}, t('chart.word_products', { list: products.join('、') })) : null);
      },
    },
    // Room on the right of the longest bar for its label and the product it names.
    xAxis: { type: 'value', min: 0, splitLine: { show: false }, axisLabel: { show: false }, max: (v) => Math.max(1, v.max * 2.4) },
    yAxis: {
      type: 'category', inverse: true, data: top.map((w) => plain(w.word)),
      axisLine: { show: false }, axisTick: { show: false },
      axisLabel: { color: C.text, fontSize: 15, fontWeight: 600, width: 110, overflow: 'truncate' },
    },
    series: [{
      type: 'bar', barMaxWidth: 18, barCategoryGap: '35%',
      data: top.map((w, i) => ({
        value: Math.round((Number(w.score) || 0) * 10) / 10,
        itemStyle: { color: i < 3 ? C.accent : '#c2573f', borderRadius: [0, 4, 4, 0] },
      })),
      label: {
        show: true, position: 'right', color: C.muted, fontSize: 12,
        formatter: (p) => {
          const w = top[p.dataIndex];
          const products = productsOf(w);
          const tail = products.length ? ` {prod|${plain(products.slice(0, 2).join('、'))}${products.length > 2 ? '…' : ''}}` : '';
          return `${t('chart.word_count', { n: w.comments })}${tail}`;
        },
        rich: { prod: { fontFamily: FONT, color: '#111', backgroundColor: C.gmv, borderRadius: 3, padding: [2, 5], fontSize: 12, fontWeight: 600 } },
      },
    }],
  };
}
