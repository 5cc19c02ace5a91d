// /events/: the events of the user's teams and a form to create one (src/events/).
import { EventsPage } from "../events/EventsPage";
import { mountPage } from "../lib/page";

mountPage(() => <EventsPage />);
