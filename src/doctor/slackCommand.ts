/**
 * `/ringback doctor`: the doctor's lines, privately, for managers (the report names channels, numbers and
 * e-mails of the installation, so agents do not get it). Slack only: Teams admins run `npm run doctor`.
 */
import type { AgentDirectory } from '../app/directory.js';
import type { Actor } from '../domain/types.js';
import type { DoctorHandle } from './readyz.js';
import { doctorSlackText } from './slackText.js';

export interface DoctorCommand {
  kind: 'doctor';
}

export function parseDoctorCommand(text: string): DoctorCommand | null {
  return text.trim().split(/\s+/)[0]?.toLowerCase() === 'doctor' ? { kind: 'doctor' } : null;
}

export async function answerDoctorCommand(
  deps: { directory: Pick<AgentDirectory, 'isManager'>; doctor?: DoctorHandle | undefined },
  actor: Actor,
): Promise<string> {
  if (!(await deps.directory.isManager(actor)))
    return 'The doctor is for managers: ask an admin to add your Slack id to `managers.slack` in the routing file, or to run `npm run doctor`.';
  if (!deps.doctor) return 'The doctor is not available in this process: run `npm run doctor` on the server.';
  return doctorSlackText(await deps.doctor.report());
}
