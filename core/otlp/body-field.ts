/** The `body` setting of the exporters that write OTLP log records (otlphttp, file): one definition, one doc. */
import { oneOf } from '../config/schema';

export const bodyField = oneOf(['original', 'none'] as const, {
  doc: 'What each log record\'s body carries. `original`: the event line exactly as read. `none`: no body, for pipelines with the `ecs` processor, whose `teleport.audit.*` attributes already carry every Teleport field, so a backend billed per ingested byte does not receive each event twice (without `ecs` the fields would be lost: keep `original`). Dead letters always keep their line.',
  default: 'original',
});
