export * from './dimshuffle.js';
export * from './reshape.js';
