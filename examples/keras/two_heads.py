# Two outputs (a side head), a nested Sequential fed from the input, and a merge: the
# shapes of graph the functional API allows and a spec writes with from: references.
import keras
from keras import layers

aug = keras.Sequential([layers.RandomFlip(), layers.Rescaling(0.5)])
inputs = keras.Input((16, 16, 3))
a = layers.Conv2D(4, 3, activation="relu")(inputs)
b = aug(inputs)
aux = layers.Dense(2, activation="softmax", name="aux")(layers.Flatten()(a))
c = layers.Conv2D(4, 3)(b)
out = layers.Dense(3)(layers.GlobalMaxPooling2D()(layers.add([a, c])))
model = keras.Model(inputs, [out, aux])
