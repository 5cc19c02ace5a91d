// /events/<id>/gallery/: the event's images (frontend/src/gallery/).
import { GalleryPage } from "../gallery/GalleryPage";
import { mountPage } from "../lib/page";

mountPage((data) => <GalleryPage data={data} />);
