// An unexpected console.error fails the test that caused it.
import { afterEach, vi } from "vitest";
import { useTestEnv } from "./paths";

useTestEnv();

const errors: string[] = [];
const original = console.error;
console.error = (...args: unknown[]) => {
  errors.push(args.map(String).join(" "));
  original(...args);
};

afterEach(() => {
  if (errors.length) {
    const list = errors.splice(0);
    throw new Error(`Unexpected console.error:\n${list.join("\n")}`);
  }
  vi.useRealTimers();
});
