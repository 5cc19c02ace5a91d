// One team's members: who has which role; invite, change role and remove where the
// user's role allows it (roles.ts). The API's refusals are shown in words.
import { useEffect, useState } from "react";
import { api, errorText, type Page } from "../lib/api";
import type { Membership, Role, Team } from "../lib/types";
import { assignableRoles, canManage, mayHandle } from "./roles";

export function Members({ team }: { team: Team }) {
  const [members, setMembers] = useState<Membership[] | null>(null);
  const [error, setError] = useState("");
  const path = `/teams/${team.id}/members/`;

  const [tick, setTick] = useState(0);
  const load = () => setTick((t) => t + 1);
  useEffect(() => {
    api<Page<Membership>>(path, { query: { page_size: 1000 } })
      .then((page) => setMembers(page.results))
      .catch((e: unknown) => setError(errorText(e)));
  }, [path, tick]);

  const act = async (request: () => Promise<unknown>) => {
    try {
      await request();
      setError("");
    } catch (e) {
      setError(errorText(e));
    }
    load();
  };
  const changeRole = (m: Membership, role: Role) =>
    act(() => api(`${path}${m.id}/`, { method: "PATCH", body: { role } }));
  const remove = (m: Membership) => act(() => api(`${path}${m.id}/`, { method: "DELETE" }));

  const myRole = team.role;
  const roles = assignableRoles(myRole);
  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading">
        Members of {team.name} <span className="role-badge">your role: {myRole}</span>
      </h2>
      {team.description && <p className="muted">{team.description}</p>}
      {!canManage(myRole) && (
        <p className="muted">Only managers and owners of this team can invite or change members.</p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {members === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => {
              const editable = mayHandle(myRole, m.role);
              return (
                <tr key={m.id} data-member={m.user.username}>
                  <td>{m.user.username}</td>
                  <td>{m.user.email}</td>
                  <td>
                    {editable ? (
                      <select
                        aria-label={`Role of ${m.user.username}`}
                        value={m.role}
                        onChange={(e) => void changeRole(m, e.target.value as Role)}
                      >
                        {(roles.includes(m.role) ? roles : [m.role, ...roles]).map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td>
                    {editable && <RemoveButton member={m} onConfirm={() => void remove(m)} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {roles.length > 0 && <Invite path={path} roles={roles} onInvited={load} />}
    </section>
  );
}

function RemoveButton({ member, onConfirm }: { member: Membership; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        Remove {member.user.username}
      </button>
    );
  return (
    <span className="row confirm">
      Remove {member.user.username} from the team?
      <button type="button" className="danger" onClick={onConfirm}>
        Yes, remove
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

function Invite({ path, roles, onInvited }: { path: string; roles: Role[]; onInvited: () => void }) {
  const [user, setUser] = useState("");
  const [role, setRole] = useState<Role>("annotator");
  const [error, setError] = useState("");
  const [done, setDone] = useState("");

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const m = await api<Membership>(path, { method: "POST", body: { user, role } });
      setDone(`${m.user.username} joined as ${m.role}.`);
      setError("");
      setUser("");
      onInvited();
    } catch (err) {
      setDone("");
      setError(errorText(err));
    }
  };

  return (
    <form className="invite" onSubmit={(e) => void submit(e)} aria-labelledby="invite-heading">
      <h3 id="invite-heading">Invite a member</h3>
      <div className="row">
        <label>
          Username or email
          <input value={user} onChange={(e) => setUser(e.target.value)} required />
        </label>
        <label>
          Role
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="align-end">
          Invite
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p className="success" role="status">
          {done}
        </p>
      )}
    </form>
  );
}
