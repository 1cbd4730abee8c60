/**
 * The page-level functions of hyparquet that parquet-pages.ts uses. The package exports them
 * (`hyparquet/src/*.js` in its `exports` map) but ships their types under `types/`, which the
 * project's CommonJS module resolution does not look in; these declarations match hyparquet 1.x.
 */
declare module 'hyparquet/src/column.js' {
  import type { ColumnDecoder, DataReader, DecodedArray, PageHeader, PageResult } from 'hyparquet/src/types.js';
  export function parquetHeader(reader: DataReader): PageHeader;
  export function readPage(reader: DataReader, header: PageHeader, columnDecoder: ColumnDecoder, dictionary: DecodedArray | undefined, previousChunk: DecodedArray | undefined, pageStart: number): PageResult;
}

declare module 'hyparquet/src/convert.js' {
  import type { ColumnDecoder, DecodedArray, ParquetParsers } from 'hyparquet/src/types.js';
  export const DEFAULT_PARSERS: ParquetParsers;
  export function convert(data: DecodedArray, columnDecoder: ColumnDecoder): DecodedArray;
}

declare module 'hyparquet/src/schema.js' {
  import type { SchemaTree } from 'hyparquet/src/types.js';
  export function getTreePath(tree: SchemaTree, name: string[]): SchemaTree[];
  export function getMaxDefinitionLevel(schemaPath: SchemaTree[]): number;
  export function getMaxRepetitionLevel(schemaPath: SchemaTree[]): number;
}

declare module 'hyparquet/src/encoding.js' {
  import type { DataReader } from 'hyparquet/src/types.js';
  export function readRleBitPackedHybrid(reader: DataReader, width: number, output: number[], length?: number): void;
}
