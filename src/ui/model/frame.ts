// How often what the stores hold reaches the screen. Data is paced here, where it is published,
// not by Ink's frame-rate cap: that cap delays every frame, a keypress's included.

/** One data frame: at most 20 a second, however fast alerts, events or replay steps arrive. */
export const frameMs = 50;

type Subscribe = (listener: () => void) => () => void;

/** `subscribe` whose listener hears the first change at once, then at most once every `ms`. */
export function paced(subscribe: Subscribe, ms = frameMs): Subscribe {
  return (listener) => {
    let last = -Infinity;
    let timer: NodeJS.Timeout | undefined;
    const notify = () => {
      timer = undefined;
      last = performance.now();
      listener();
    };
    const unsubscribe = subscribe(() => {
      if (timer) return;
      const wait = last + ms - performance.now();
      if (wait <= 0) notify();
      else timer = setTimeout(notify, wait);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  };
}
