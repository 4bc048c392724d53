/** A progress bar with its value for assistive technology and as text. */
export function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const value = Math.round(Math.min(100, Math.max(0, percent)));
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value}>
      <div class="progress-track">
        <div class="progress-fill" style={{ width: `${value}%` }} />
      </div>
      <span class="progress-text">{value}%</span>
    </div>
  );
}
