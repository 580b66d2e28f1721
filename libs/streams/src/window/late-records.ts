import type { ConsumedMessage, OutputMessage } from '../task/output-message.js';
import type { Window } from './windows.js';

/** Header names on late records. */
export const LATE_HEADERS = {
  topic: 'tributary.late.source.topic',
  partition: 'tributary.late.source.partition',
  offset: 'tributary.late.source.offset',
  store: 'tributary.late.store',
  /** The windows the record missed, `start-end` (half-open), comma-separated, oldest first. */
  windows: 'tributary.late.windows',
  /** The watermark when the record arrived. */
  watermark: 'tributary.late.watermark',
  taskId: 'tributary.late.task',
} as const;

/** `<applicationId>.late`: records that arrived after every window they belong to had closed. */
export function lateTopic(applicationId: string): string {
  return `${applicationId}.late`;
}

/** What a window operator reports about a late record. */
export interface LateRecordInfo {
  readonly store: string;
  /** The closed windows the record would have belonged to. */
  readonly windows: readonly Window[];
  readonly watermark: number;
  /** Count it only (policy `drop`) instead of writing it to the late topic. */
  readonly drop: boolean;
}

/**
 * The late-topic record of a consumed record: its original key, value and
 * headers, plus headers naming where it came from and the windows it missed,
 * so it can be inspected or replayed into a correcting job.
 */
export function lateRecord(
  topic: string,
  source: { topic: string; partition: number; taskId: string },
  message: ConsumedMessage,
  info: LateRecordInfo,
): OutputMessage {
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? (value[value.length - 1] ?? '') : value;
  }
  headers[LATE_HEADERS.topic] = source.topic;
  headers[LATE_HEADERS.partition] = String(source.partition);
  headers[LATE_HEADERS.offset] = message.offset;
  headers[LATE_HEADERS.store] = info.store;
  headers[LATE_HEADERS.windows] = info.windows.map((w) => `${w.start}-${w.end}`).join(',');
  headers[LATE_HEADERS.watermark] = String(info.watermark);
  headers[LATE_HEADERS.taskId] = source.taskId;
  return { topic, key: message.key, value: message.value, timestamp: Number(message.timestamp), headers };
}
