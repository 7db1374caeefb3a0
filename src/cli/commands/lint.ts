import { Command } from 'commander';
import { ExitError, ExitCode } from '../../util/exit-codes.ts';
import { outputOption } from '../flags.ts';
import { findingLine, lintManifests, type LintFinding } from '../lint.ts';
import { readSource } from '../read-source.ts';
import { styleFor } from '../render/text.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface LintFlags {
  filename: string[];
  output?: 'json';
  color: boolean;
}

export function lintCommand(): Command {
  return new Command('lint')
    .description('Check the Rollouts of a manifest: schema (with line numbers), semantics, and references to Services and AnalysisTemplates')
    .requiredOption('-f, --filename <file>', 'manifest file ("-" reads stdin); repeatable; multi-document YAML, JSON or a List', collect, [])
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .addOption(outputOption(['json']))
    .addHelpText('after', `
Errors make the exit code 1; warnings (a Service or AnalysisTemplate the file does not define, which may exist in the
cluster) do not. No cluster is needed.

Examples:
  aviary lint -f rollout.yaml
  helm template . | aviary lint -f -`)
    .action(async (flags: LintFlags) => {
      const findings: LintFinding[] = [];
      let rollouts = 0;
      let analysis = 0;
      for (const file of flags.filename) {
        const source = file === '-' ? 'stdin' : file;
        const result = lintManifests(await readSource(file), source);
        findings.push(...result.findings);
        rollouts += result.rollouts;
        analysis += result.analysis;
      }
      const errors = findings.filter((f) => f.severity === 'error').length;
      const warnings = findings.length - errors;
      if (flags.output === 'json') {
        process.stdout.write(`${JSON.stringify({ rollouts, analysis, errors, warnings, findings }, null, 2)}\n`);
      } else {
        const style = styleFor(process.stdout, { noColor: !flags.color });
        for (const f of findings) {
          const line = findingLine(f);
          process.stdout.write(`${f.severity === 'error' ? line.replace(': error:', `: ${style.red('error')}:`) : line.replace(': warning:', `: ${style.yellow('warning')}:`)}\n`);
        }
        const what = [`${rollouts} Rollout${rollouts === 1 ? '' : 's'}`, ...(analysis === 0 ? [] : [`${analysis} analysis object${analysis === 1 ? '' : 's'}`])].join(', ');
        const summary = findings.length === 0 ? `${style.green('✔')} ${what}, no problems found`
          : `${errors > 0 ? style.red('✖') : style.yellow('!')} ${what}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
        process.stdout.write(`${summary}\n`);
      }
      if (rollouts + analysis === 0 && errors === 0) throw new ExitError(`${flags.filename.join(', ')}: no Rollout or analysis object found (apiVersion aviary.dev/v1alpha1 or argoproj.io/v1alpha1, kind Rollout, AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun)`, ExitCode.usage);
      if (errors > 0) process.exitCode = ExitCode.failed;
    });
}
