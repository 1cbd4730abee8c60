import { bool, map, str, type Infer, localPath } from '../../core/config/schema';
import { bodyField } from '../../core/otlp/body-field';

export const fileExporterConfig = {
  path: localPath({ use: 'write-file', doc: 'File to write OTLP/JSON lines to (one ExportLogsServiceRequest per line). Its directory is created.' }),
  append: bool({
    doc: 'Append to an existing file. When false the file is truncated at start, as the Collector\'s file exporter does; use true for dead letters.',
    default: false,
  }),
  fsync: bool({
    doc: 'fsync after each write, before acknowledging the batch. Turning it off trades durability on power loss for speed.',
    default: true,
  }),
  body: bodyField,
  resource: map(str({ doc: 'value', nonEmpty: false }), {
    doc: 'Resource attributes added to every record; `service.name` defaults to `teleport`.',
    default: {},
  }),
};

export type FileExporterConfig = Infer<typeof fileExporterConfig>;
