import { EditorPage } from "../editor/EditorPage";
import { mountPage } from "../lib/page";

mountPage((data) => <EditorPage data={data} />);
