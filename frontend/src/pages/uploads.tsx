// /events/<id>/uploads/: upload imagery files to the event (managers and owners).
import { mountPage } from "../lib/page";
import { UploadsPage } from "../uploads/UploadsPage";

mountPage((data) => <UploadsPage data={data} />);
