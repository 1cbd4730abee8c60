/** Reads docker/Dockerfile into stages and instructions, so tests can check and replay it. */
import fs from 'node:fs';

export interface Instruction {
  readonly op: string;
  /** The rest of the line, continuations joined. */
  readonly text: string;
  /** JSON-form arguments (`["a", "b"]`) when the instruction uses that form. */
  readonly json?: string[];
}

export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  readonly args: Record<string, string>;
  readonly stages: Stage[];
}

export function readDockerfile(file = 'docker/Dockerfile'): Dockerfile {
  const logical = fs.readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, text] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = text.split('=');
      args[name] = value;
    } else if (upper === 'FROM') {
      const [image, , name] = text.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '').split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else {
      stages[stages.length - 1].instructions.push({ op: upper, text, json: jsonForm(text) });
    }
  }
  return { args, stages };
}

function jsonForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as string[];
  } catch {
    return undefined;
  }
}

/** `ENV A=1 B=2` instructions of a stage, merged. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    for (const [, name, value] of i.text.matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  }
  return env;
}
