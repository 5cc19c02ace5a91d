// /events/<id>/datasets/: dataset versions of the event (build, list, download).
import { DatasetsPage } from "../datasets/DatasetsPage";
import { mountPage } from "../lib/page";

mountPage((data) => <DatasetsPage data={data} />);
