/**
 * Slack incoming-webhook messages in the blocks layout, within Slack's limits: at most 50 blocks a
 * message, 3000 characters a section text, 150 a header, 10 fields of 2000, and a short `text`
 * fallback for notifications. Several alerts share one message (Slack takes about one a second).
 */
import type { Alert } from './model.js';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_SECTION_TEXT_MAX = 3000;
export const SLACK_HEADER_MAX = 150;
export const SLACK_FIELD_MAX = 2000;
export const SLACK_FALLBACK_MAX = 3000;
/** Three blocks an alert, plus the header: 16 would fit in 50; 10 keeps a message readable. */
export const SLACK_MAX_ALERTS_PER_MESSAGE = 10;

const EMOJI: Record<string, string> = { critical: ':rotating_light:', high: ':red_circle:', medium: ':large_orange_circle:', low: ':large_yellow_circle:', info: ':information_source:' };

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** Slack's mrkdwn reserves &, < and >; everything else is shown as written. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

export function slackMessage(alerts: readonly Alert[]): SlackMessage {
  const shown = alerts.slice(0, SLACK_MAX_ALERTS_PER_MESSAGE);
  const firing = shown.filter((a) => a.status === 'firing').length;
  const resolved = shown.length - firing;
  const heading = [firing > 0 ? `${firing} policy violation${firing === 1 ? '' : 's'}` : '', resolved > 0 ? `${resolved} resolved` : ''].filter((s) => s !== '').join(', ');
  const clusters = [...new Set(shown.map((a) => a.cluster))].join(', ');
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(`kube-posture: ${heading} in ${clusters}`, SLACK_HEADER_MAX) } }];
  for (const a of shown) {
    const r = a.resource;
    const where = `${r.kind} ${r.namespace !== undefined ? `${r.namespace}/` : ''}${r.name}`;
    const state = a.status === 'resolved' ? ':white_check_mark: *resolved*' : `${EMOJI[a.severity] ?? ''} *${a.severity}*`;
    const count = a.count > 1 ? ` (×${a.count})` : '';
    const text = `${state} ${escapeMrkdwn(a.title)}${count}\n*${escapeMrkdwn(where)}* — ${escapeMrkdwn(a.message)}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_SECTION_TEXT_MAX) } });
    const fields = [
      `*Policy*\n${escapeMrkdwn(a.policyId)}`,
      `*Source*\n${a.source}`,
      ...(a.path !== '' ? [`*Field*\n\`${escapeMrkdwn(a.path)}\``] : []),
      ...(a.remediation !== '' && a.status === 'firing' ? [`*Remediation*\n${escapeMrkdwn(a.remediation)}`] : []),
      ...(a.reportUrl !== undefined ? [`*Report*\n<${a.reportUrl}|open>`] : []),
    ];
    blocks.push({ type: 'section', fields: fields.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: truncate(f, SLACK_FIELD_MAX) })) });
    blocks.push({ type: 'divider' });
  }
  if (alerts.length > shown.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${alerts.length - shown.length} more` }] });
  const text = truncate(`kube-posture: ${heading}: ${shown.map((a) => `${a.policyId} on ${a.resource.kind} ${a.resource.name}`).join('; ')}`, SLACK_FALLBACK_MAX);
  return { text, blocks: blocks.slice(0, SLACK_MAX_BLOCKS) };
}
