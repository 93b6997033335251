import type { IConstruct, IValidation } from "constructs";
import { formatIssue, type ValidationIssue } from "./validation";

/** The structured validations registered on each construct (their messages are formatIssue lines). */
const REGISTERED = new WeakMap<IConstruct, IssueValidation[]>();

class IssueValidation implements IValidation {
  constructor(private readonly collect: () => readonly ValidationIssue[]) {}
  public issues(): readonly ValidationIssue[] {
    return this.collect();
  }
  public validate(): string[] {
    return this.issues().map(formatIssue);
  }
}

/**
 * Adds a construct validation (`node.addValidation`) that reports {@link ValidationIssue}s:
 * context, field, value, problem and fix, for checks that need the whole tree (e.g. two
 * bindings with one selector). cdktf runs it at synth; {@link collectIssues} reads it back.
 */
export function addIssueValidation(scope: IConstruct, collect: () => readonly ValidationIssue[]): void {
  const v = new IssueValidation(collect);
  scope.node.addValidation(v);
  REGISTERED.set(scope, [...(REGISTERED.get(scope) ?? []), v]);
}

/**
 * Every problem the construct validations under `root` report, at once: structured issues as
 * given, other validations' messages (cdktf's own, a consumer's) with the construct path as
 * context. Stacks throw them as one `ValidationError` instead of cdktf's first-stack string.
 */
export function collectIssues(root: IConstruct): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const c of root.node.findAll()) {
    const own = (REGISTERED.get(c) ?? []).flatMap((v) => [...v.issues()]);
    const ownText = own.map(formatIssue);
    issues.push(...own);
    for (const message of c.node.validate()) {
      const i = ownText.indexOf(message);
      if (i >= 0) ownText.splice(i, 1);
      else issues.push({ context: c.node.path, field: "(construct)", value: undefined, problem: message, fix: "see the message" });
    }
  }
  return issues;
}
