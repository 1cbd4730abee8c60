/**
 * Turns a permanent per-record failure into the record a dead-letter exporter writes: the original
 * line as the body, and the reason, code, failing component and source position as attributes.
 */
import { describePosition, type LogRecord, type RecordFailure, type Attributes } from '../record';

export const DEAD_LETTER_ATTRIBUTES = {
  code: 'error.type',
  reason: 'error.message',
  component: 'teleport_otel.component',
  pipeline: 'teleport_otel.pipeline',
  position: 'teleport_otel.source.position',
  source: 'teleport_otel.source.name',
  line: 'teleport_otel.source.line',
  offset: 'teleport_otel.source.offset',
  row: 'teleport_otel.source.row',
} as const;

export function toDeadLetterRecord(failure: RecordFailure, pipelineId: string): LogRecord {
  const { record } = failure;
  const attributes: Attributes = {
    [DEAD_LETTER_ATTRIBUTES.code]: failure.code,
    [DEAD_LETTER_ATTRIBUTES.reason]: failure.reason,
    [DEAD_LETTER_ATTRIBUTES.component]: failure.component,
    [DEAD_LETTER_ATTRIBUTES.pipeline]: pipelineId,
    [DEAD_LETTER_ATTRIBUTES.position]: describePosition(record.position),
    [DEAD_LETTER_ATTRIBUTES.source]: record.position.source,
  };
  if (record.position.line !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.line] = record.position.line;
  if (record.position.offset !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.offset] = record.position.offset;
  if (record.position.row !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.row] = record.position.row;
  // `event` stays unset on purpose: a dead letter's body is the raw line, exactly as read.
  return { raw: record.raw, position: record.position, observedTimeUnixNano: record.observedTimeUnixNano, attributes, deadLetter: true };
}
