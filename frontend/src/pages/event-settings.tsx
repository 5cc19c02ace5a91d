// /events/<id>/settings/: details, area of interest and label classes (src/events/).
import { EventSettingsPage } from "../events/EventSettingsPage";
import { mountPage } from "../lib/page";

mountPage((data) => <EventSettingsPage data={data} />);
