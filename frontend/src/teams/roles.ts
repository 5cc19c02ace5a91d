// What a member's role lets them do to other members; the same rule as events/rules.py
// (MANAGE for members below owner, OWN for owners). The API enforces it; the page only
// hides what would be refused.
import { ROLES, type Role } from "../lib/types";

export function rank(role: Role | null): number {
  return role ? ROLES.indexOf(role) : -1;
}

export function canManage(role: Role | null): boolean {
  return rank(role) >= rank("manager");
}

/** Roles `actor` may give: an owner any, a manager any below owner, others none. */
export function assignableRoles(actor: Role | null): Role[] {
  if (actor === "owner") return [...ROLES];
  if (canManage(actor)) return ROLES.filter((r) => r !== "owner");
  return [];
}

/** Whether `actor` may change the role of, or remove, a member who is `target`. */
export function mayHandle(actor: Role | null, target: Role): boolean {
  if (actor === "owner") return true;
  return canManage(actor) && target !== "owner";
}
