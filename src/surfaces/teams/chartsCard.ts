/**
 * A period's charts as an Adaptive Card for Teams: each PNG inline as a data URI (Teams leaves base64 images
 * out of a bot message's 100 KB limit) with its alt text. Teams shows pictures up to 1024 × 1024 pixels, so
 * the 1200-pixel charts are scaled down to 960 first (resvg draws the PNG into a smaller SVG canvas).
 */
import { createRequire } from 'node:module';
import type { ChartImage } from '../../reports/charts.js';
import { type AdaptiveCardJson, CARD_VERSION, escapeMarkdown } from './card.js';

export const TEAMS_CHART_WIDTH = 960;

// resvg's native module is loaded on the first chart, not at startup: most processes never draw one.
const load = createRequire(import.meta.url);
let resvg: typeof import('@resvg/resvg-js') | null = null;

export interface TeamsChart {
  name: string;
  dataUri: string;
  alt: string;
  width: number;
  height: number;
}

/** The chart at most TEAMS_CHART_WIDTH pixels wide, as a data URI. */
export function teamsChart(chart: ChartImage): TeamsChart {
  if (chart.width <= TEAMS_CHART_WIDTH) {
    return { ...chart, dataUri: `data:image/png;base64,${chart.png.toString('base64')}` };
  }
  const source = `data:image/png;base64,${chart.png.toString('base64')}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${chart.width}" height="${chart.height}"><image width="${chart.width}" height="${chart.height}" href="${source}"/></svg>`;
  resvg ??= load('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const scaled = new resvg.Resvg(svg, { fitTo: { mode: 'width', value: TEAMS_CHART_WIDTH } }).render();
  return {
    name: chart.name,
    alt: chart.alt,
    width: scaled.width,
    height: scaled.height,
    dataUri: `data:image/png;base64,${scaled.asPng().toString('base64')}`,
  };
}

/** Image elements to put in any card (the summary's, or the charts' own). */
export function chartElements(charts: ChartImage[]): Record<string, unknown>[] {
  return charts.map((chart) => {
    const image = teamsChart(chart);
    return { type: 'Image', url: image.dataUri, altText: image.alt, size: 'Stretch', spacing: 'Medium' };
  });
}

/** The charts on their own, titled: the weekly scheduled summary sends them after its figures. */
export function chartsCard(charts: ChartImage[], title: string): AdaptiveCardJson {
  return {
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    fallbackText: `Charts: ${title}. ${charts.map((c) => c.alt).join(' ')}`,
    body: [
      {
        type: 'TextBlock',
        text: `Charts: ${escapeMarkdown(title)}`,
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
      },
      ...chartElements(charts),
    ],
  };
}
