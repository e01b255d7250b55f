// The part of jstat 1.9 (no types of its own) that the DES uses: quantile functions (inv),
// CDFs and moments of the distributions it samples by inversion, and Student's t for the
// experiments' confidence intervals.
declare module 'jstat' {
  interface Continuous<P extends unknown[]> {
    inv(p: number, ...params: P): number;
    cdf(x: number, ...params: P): number;
    mean(...params: P): number;
    variance(...params: P): number;
  }
  const jStat: {
    normal: Continuous<[mean: number, sd: number]>;
    lognormal: Continuous<[mu: number, sigma: number]>;
    gamma: Continuous<[shape: number, scale: number]>;
    weibull: Continuous<[scale: number, shape: number]>;
    triangular: Continuous<[min: number, max: number, mode: number]>;
    exponential: Continuous<[rate: number]>;
    uniform: Continuous<[min: number, max: number]>;
    studentt: Continuous<[dof: number]>;
  };
  export default jStat;
}
