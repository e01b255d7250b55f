// The experiment a kiosk shows between rounds of its tour: named by id, or `latest` for the
// newest one done. Fetched at start and again every few minutes, so a kiosk left running
// picks up a result prepared later; a gateway that does not answer keeps the last one.
import type { ExperimentDetail, ExperimentSummary } from '../../../gateway/src/core/experiments.ts';
import type { ExperimentResult } from '../../../simulators/src/experiments/run-experiment.ts';

const REFRESH_MS = 5 * 60_000;

export class PreparedExperiment {
  private shown: ExperimentResult | undefined;
  private readonly timer: number;

  constructor(private readonly id: string) {
    void this.load();
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
  }

  get result(): ExperimentResult | undefined {
    return this.shown;
  }

  dispose(): void {
    window.clearInterval(this.timer);
  }

  private async load(): Promise<void> {
    try {
      let id = this.id;
      if (id === 'latest') {
        const list = (await (await fetch('/api/experiments')).json()) as ExperimentSummary[];
        const done = list.filter((x) => x.status === 'done').sort((a, b) => (a.finishedAt ?? '').localeCompare(b.finishedAt ?? ''));
        const newest = done[done.length - 1];
        if (!newest) return;
        id = newest.id;
      }
      const res = await fetch(`/api/experiments/${encodeURIComponent(id)}`);
      if (!res.ok) return;
      const detail = (await res.json()) as ExperimentDetail;
      if (detail.status === 'done') this.shown = detail.result as ExperimentResult;
    } catch {
      // The gateway restarting: try again at the next refresh, showing what we have.
    }
  }
}
