/** The supervisor page: mounts its view in `#supervisor`. */
import { render } from 'preact';

const root = document.getElementById('supervisor');
if (root) render(<h1>Supervisor</h1>, root);
