// Claims 22, 31 and 39: the HELP option is a video message (under claims 1, 23 and 32).
import t from 'tap';
import { helpFormClaims } from './_help-forms.js';

helpFormClaims(t, 'video', [22, 31, 39], 'a video message');
