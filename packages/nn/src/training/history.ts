/** What Network.sgd and fit report after each epoch. */
export interface EpochReport {
  /** 0-based, as network3 prints it. */
  epoch: number;
  validationAccuracy: number | null;
  bestValidationAccuracy: number | null;
  /**
   * Network.sgd (network3): the test accuracy measured at the epoch of the best validation accuracy
   * so far. fit measures the test accuracy once, at the end (TrainingHistory.testAccuracy): null here.
   */
  testAccuracy: number | null;
  /** Test accuracy of this epoch's weights, measured only with testEveryEpoch (network3 measures test only when validation improves). */
  epochTestAccuracy: number | null;
  /** Mean regularised training cost over the epoch's mini-batches. */
  cost: number;
  /** Training examples per second in this epoch (training steps only). */
  examplesPerSecond: number;
  seconds: number;
  /** The learning rate of the epoch (the optimiser's, as a schedule or the plateau rule set it). */
  eta: number;
  /** Accuracy on the training data, measured only with fit's trainAccuracy. */
  trainAccuracy: number | null;
}

/**
 * What `Network.sgd` and `fit` return: each epoch's report, the best validation epoch, the test accuracy and timings.
 */
export interface TrainingHistory {
  epochs: EpochReport[];
  bestValidationAccuracy: number | null;
  bestEpoch: number | null;
  /** Network.sgd: the test accuracy at the best validation epoch (network3); fit: with the weights finally kept (the best epoch's when early stopping restored them). */
  testAccuracy: number | null;
  /** Early stopping or the plateau rule ended training before the epochs asked for. */
  stoppedEarly: boolean;
  /** Wall time of the whole call, compilation and evaluation included (and that of earlier calls a resumed run continues). */
  seconds: number;
  /** Training examples per second over all epochs (training steps only). */
  trainExamplesPerSec: number;
}
