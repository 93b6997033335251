import { JsonValue, PlanResourceChange, ValueMarks } from "./types";

/** Printed instead of a value marked sensitive. Values so marked are never printed. */
export const SENSITIVE = "(sensitive)";
/** Printed for a value Terraform knows only after apply. */
export const UNKNOWN = "(known after apply)";

export function isObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when any part of `marks[key]` is marked (`after_unknown`, `before_sensitive`, `after_sensitive`). */
export function marked(marks: ValueMarks | undefined, key: string): boolean {
  if (marks === true) return true;
  if (typeof marks !== "object" || marks === null || Array.isArray(marks)) return false;
  return anyTrue(marks[key]);
}

function anyTrue(marks: ValueMarks | undefined): boolean {
  if (marks === true) return true;
  if (Array.isArray(marks)) return marks.some(anyTrue);
  if (typeof marks === "object" && marks !== null) return Object.values(marks).some(anyTrue);
  return false;
}

/** One side of a change: its values and marks. */
export interface ChangeSide {
  readonly values: { readonly [key: string]: JsonValue };
  readonly sensitive: ValueMarks | undefined;
  /** Only for `after`. */
  readonly unknown: ValueMarks | undefined;
}

export function sideOf(rc: PlanResourceChange, side: "before" | "after"): ChangeSide | undefined {
  const v = side === "before" ? rc.change.before : rc.change.after;
  if (!isObject(v) && !(side === "after" && isObject(rc.change.after_unknown))) return undefined;
  return {
    values: isObject(v) ? v : {},
    sensitive: side === "before" ? rc.change.before_sensitive : rc.change.after_sensitive,
    unknown: side === "after" ? rc.change.after_unknown : undefined,
  };
}

/** The state of one attribute on one side: sensitive, unknown, or its (JSON) value. */
export type AttributeValue =
  | { readonly kind: "sensitive" }
  | { readonly kind: "unknown" }
  | { readonly kind: "value"; readonly value: JsonValue };

export function attribute(side: ChangeSide, key: string): AttributeValue {
  if (marked(side.sensitive, key)) return { kind: "sensitive" };
  if (marked(side.unknown, key)) return { kind: "unknown" };
  return { kind: "value", value: side.values[key] ?? null };
}
