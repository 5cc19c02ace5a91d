// Mounting a page: Django renders frontend/page.html with the page's initial data in a
// json_script element (#page-data) and an empty #app; the page's entry calls mountPage.
import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { Shell } from "../components/Shell";
import "../styles.css";

export interface Can {
  view: boolean;
  annotate: boolean;
  review: boolean;
  manage: boolean;
  own: boolean;
}

export interface EventSummary {
  id: number;
  name: string;
  team: number;
  team_name: string;
  phenomenon: string;
}

/** What every page gets from Django (frontend/views.py: page_context). */
export interface PageData {
  page: string;
  title: string;
  user: { id: number; username: string; email: string };
  /** Set on an event's pages: the event, the user's role in its team and what it allows. */
  event: EventSummary | null;
  role: string | null;
  can: Can;
  /** The page's own extra data (ids from the URL, settings such as the basemap URL). */
  extra: Record<string, unknown>;
}

export function readPageData(doc: Document = document): PageData {
  const element = doc.getElementById("page-data");
  if (!element?.textContent) throw new Error("The page has no #page-data element.");
  return JSON.parse(element.textContent) as PageData;
}

export function mountPage(render: (data: PageData) => ReactNode): void {
  const data = readPageData();
  const root = document.getElementById("app");
  if (!root) throw new Error("The page has no #app element.");
  createRoot(root).render(
    <StrictMode>
      <Shell data={data}>{render(data)}</Shell>
    </StrictMode>,
  );
}
