// /teams/: the user's teams and their members (src/teams/).
import { mountPage } from "../lib/page";
import { TeamsPage } from "../teams/TeamsPage";

mountPage(() => <TeamsPage />);
