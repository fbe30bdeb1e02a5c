// State the input handler reads at once. Keys can arrive faster than renders (a fast typist, a
// loaded machine): a handler reading rendered state would take a key on the screen the previous
// key already left, so the values that decide what a key means are also kept in a ref, set
// synchronously with the state.
import { useCallback, useRef, useState } from 'react';

export function useImmediateState<T>(initial: T): [value: T, set: (next: T) => void, latest: { readonly current: T }] {
  const [value, setValue] = useState(initial);
  const latest = useRef(initial);
  const set = useCallback((next: T) => {
    latest.current = next;
    setValue(next);
  }, []);
  return [value, set, latest];
}
