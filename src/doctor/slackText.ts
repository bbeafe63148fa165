/** The doctor's report as a private Slack message for `/ringback doctor` (mrkdwn, escaped, no secrets). */
import { escapeMrkdwn } from '../surfaces/slack/mrkdwn.js';
import type { DoctorReport } from './run.js';

const ICON = { ok: ':white_check_mark:', warn: ':warning:', fail: ':x:', skip: ':white_circle:' } as const;

export function doctorSlackText(report: DoctorReport & { vendorsCheckedAt?: string }): string {
  const lines = report.checks.map((check) => {
    const head = `${ICON[check.status]} *${escapeMrkdwn(check.area)} ${escapeMrkdwn(check.name)}*: ${escapeMrkdwn(check.detail)}`;
    if (check.status !== 'fail' && check.status !== 'warn') return head;
    const fix = check.fix ? `\n      fix: ${escapeMrkdwn(check.fix)}` : '';
    const docs = check.docs ? ` (${escapeMrkdwn(check.docs)})` : '';
    return `${head}${fix}${docs}`;
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const title =
    failed === 0
      ? '*Ringback doctor: everything configured works*'
      : `*Ringback doctor: ${failed} problem${failed > 1 ? 's' : ''} to fix*`;
  const when = report.vendorsCheckedAt ? `\n_vendors checked at ${report.vendorsCheckedAt}_` : '';
  return `${title}${when}\n${lines.join('\n')}`;
}
